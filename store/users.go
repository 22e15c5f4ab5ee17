package store

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
)

// User is a person who may log in to the web UI.
type User struct {
	ID        int64
	Name      string
	Role      string // admin, operator, viewer
	Created   time.Time
	LastLogin time.Time // zero if never
}

// ErrInvalidRole is returned when a role is not admin, operator or viewer.
var ErrInvalidRole = errors.New("invalid role")

// argon2id parameters: RFC 9106's second recommended option (64 MiB, 3 passes), which keeps a
// login near 50-100 ms on a small server; they travel inside the encoded hash so they can be
// raised later without breaking existing passwords.
const (
	argonTime    = 3
	argonMemory  = 64 * 1024
	argonThreads = 2
	argonKeyLen  = 32
	argonSaltLen = 16
)

// passwordCost is the argon2id cost new password hashes are made with.
type passwordCost struct{ time, memory uint32 }

var productionCost = passwordCost{argonTime, argonMemory}

// hashPassword returns a PHC-style string: $argon2id$v=19$m=65536,t=3,p=2$<salt>$<key>, at the
// DB's password cost (production's unless WithPasswordCost changed it).
func (db *DB) hashPassword(password string) (string, error) {
	c := db.pwCost
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("read salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, c.time, c.memory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, c.memory, c.time,
		argonThreads, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

var errBadHash = errors.New("malformed password hash")

// verifyPassword checks password against an encoded hash in constant time.
func verifyPassword(encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var mem, iter uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iter, &threads); err != nil {
		return false, errBadHash
	}
	// Refuse absurd parameters: a tampered row must not be able to make a login allocate GiBs.
	if mem == 0 || mem > 1<<20 || iter == 0 || iter > 16 || threads == 0 {
		return false, errBadHash
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 128 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(password), salt, iter, mem, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is verified against when the user name is unknown, so a bad name costs as much
// time as a bad password and login timing does not reveal which names exist.
var dummyHash = "$argon2id$v=19$m=65536,t=3,p=2$c29tZXNhbHRzb21lc2FsdA$" +
	"YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY"

func validRole(role string) bool {
	return role == "admin" || role == "operator" || role == "viewer"
}

// CreateUser adds a user with an argon2id-hashed password. It returns ErrConflict if the name
// (case-insensitively) exists and ErrInvalidRole for an unknown role.
func (db *DB) CreateUser(ctx context.Context, name, password, role string) (User, error) {
	name = strings.TrimSpace(name)
	if name == "" || password == "" {
		return User{}, fmt.Errorf("create user: name and password are required")
	}
	if !validRole(role) {
		return User{}, fmt.Errorf("create user %s: %w: %q", name, ErrInvalidRole, role)
	}
	hash, err := db.hashPassword(password)
	if err != nil {
		return User{}, fmt.Errorf("create user %s: %w", name, err)
	}
	u := User{Name: name, Role: role, Created: db.Now()}
	err = db.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO users (name, password_hash, role, created)
			VALUES (?, ?, ?, ?)`, name, hash, role, u.Created)
		if err != nil {
			return err
		}
		u.ID, err = res.LastInsertId()
		return err
	})
	if isConstraint(err) {
		return User{}, fmt.Errorf("create user %s: %w", name, ErrConflict)
	}
	if err != nil {
		return User{}, fmt.Errorf("create user %s: %w", name, err)
	}
	return u, nil
}

// Authenticate checks a name and password and stamps last_login. A wrong name and a wrong
// password both return ErrNotFound and take about the same time.
func (db *DB) Authenticate(ctx context.Context, name, password string) (User, error) {
	var u User
	var hash string
	var last sql.NullTime
	err := db.read.QueryRowContext(ctx, `SELECT id, name, role, created, last_login, password_hash
		FROM users WHERE name = ?`, strings.TrimSpace(name)).Scan(&u.ID, &u.Name, &u.Role, &u.Created, &last, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		verifyPassword(dummyHash, password)
		return User{}, fmt.Errorf("authenticate: %w", ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("authenticate %s: %w", name, err)
	}
	ok, err := verifyPassword(hash, password)
	if err != nil {
		return User{}, fmt.Errorf("authenticate %s: %w", name, err)
	}
	if !ok {
		return User{}, fmt.Errorf("authenticate: %w", ErrNotFound)
	}
	u.LastLogin = db.Now()
	err = db.withTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE users SET last_login = ? WHERE id = ?`, u.LastLogin, u.ID)
		return err
	})
	if err != nil {
		return User{}, fmt.Errorf("stamp login of %s: %w", name, err)
	}
	return u, nil
}

// SetPassword replaces a user's password and ends every session of that user; ErrNotFound if
// there is no such user.
func (db *DB) SetPassword(ctx context.Context, name, password string) error {
	var id int64
	err := db.read.QueryRowContext(ctx, `SELECT id FROM users WHERE name = ?`, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("set password of %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("set password of %s: %w", name, err)
	}
	_, err = db.SetUserPassword(ctx, id, password, "")
	return err
}

// Users lists all users by name.
func (db *DB) Users(ctx context.Context) ([]User, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, name, role, created, last_login FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		var last sql.NullTime
		if err := rows.Scan(&u.ID, &u.Name, &u.Role, &u.Created, &last); err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		u.LastLogin = last.Time
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// UserCount returns the number of users (main uses it to decide whether to bootstrap an admin).
func (db *DB) UserCount(ctx context.Context) (int, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// errLastAdmin keeps at least one admin: nobody could manage users otherwise.
var errLastAdmin = fmt.Errorf("the last admin cannot be removed or demoted: %w", ErrConflict)

// ensureAdminLeft fails when the change would leave no admin.
func ensureAdminLeft(ctx context.Context, tx *sql.Tx) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE role = 'admin'`).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return errLastAdmin
	}
	return nil
}

// SetUserRole changes a user's role; ErrConflict if that would leave no admin.
func (db *DB) SetUserRole(ctx context.Context, id int64, role string) error {
	if !validRole(role) {
		return fmt.Errorf("set role of user %d: %w", id, ErrInvalidRole)
	}
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		if err := expectRow(tx.ExecContext(ctx, `UPDATE users SET role = ? WHERE id = ?`, role, id)); err != nil {
			return err
		}
		return ensureAdminLeft(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("set role of user %d: %w", id, err)
	}
	return nil
}

// DeleteUser deletes a user and their sessions; ErrConflict if that would leave no admin.
func (db *DB) DeleteUser(ctx context.Context, id int64) error {
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		if err := expectRow(tx.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, id)); err != nil {
			return err
		}
		return ensureAdminLeft(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("delete user %d: %w", id, err)
	}
	return nil
}
