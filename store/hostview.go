package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"patchward/ingest/wire"
)

// HostSummary is one host as the host list, the host page and the CLI show it. Update counts
// come from the host's computation, so they are as fresh as the last update finding.
type HostSummary struct {
	ID              int64
	Hostname        string
	Domain          string
	OS              string
	OSGroup         string
	Kernel          string
	Arch            string
	IP              string
	Tags            []string  // every tag: the union of ReportedTags and OperatorTags
	ReportedTags    []string  // the tags of the host's last report
	OperatorTags    []string  // the tags an operator set; reports leave them alone
	LastReport      time.Time // zero if never
	RebootRequired  bool      // the client said so, or our kernel check did
	ClientReboot    bool      // the client's own flag
	RebootReason    string    // our kernel check's reason, e.g. "running 6.1.0-26 < installed 6.1.0-28"
	Packages        int
	SecurityUpdates int
	BugfixUpdates   int
	Computed        time.Time // zero if updates were never computed
	Dirty           bool      // an input changed since Computed
	HostReposOnly   bool      // the host uses only its own repos, not also its OS group's
	CheckDNS        bool      // dns-check compares the host's reverse DNS with its name
	// Client is the kind of client of the last report (wire.ClientPatchman, wire.ClientAgent,
	// or "" before any), ClientVersion its version ("" when the client does not say),
	// ClientProtocol the protocol ("1", "2", "native") and ClientSeen when it reported.
	Client         string
	ClientVersion  string
	ClientProtocol string
	ClientSeen     time.Time
	// AgentUpdate is the agent's last self-update outcome ("" if none), at AgentUpdateAt.
	AgentUpdate   string
	AgentUpdateAt time.Time
}

// ClientText is the client as people read it: "patchward-agent 1.2.0", "patchman-client
// (protocol 1)" (Patchman's clients send no version), or "unknown".
func (h HostSummary) ClientText() string {
	switch {
	case h.Client == "":
		return "unknown"
	case h.ClientVersion != "":
		return h.Client + " " + h.ClientVersion
	case h.ClientProtocol == "1" || h.ClientProtocol == "2":
		return h.Client + " (protocol " + h.ClientProtocol + ")"
	}
	return h.Client + " (version unknown)"
}

// HostFilter selects and orders hosts. Zero fields do not filter.
type HostFilter struct {
	Search      string   // space-separated terms, all must match hostname, domain or OS (case-insensitive)
	OS          string   // OS variant or OS group name
	Tag         string   // one tag the host must have (reported or set by an operator)
	Tags        []string // more tags the host must all have
	NotTags     []string // tags the host must not have
	Arch        string
	Reboot      *bool
	HasSecurity *bool
	Domain      string
	// Stale selects hosts whose last report is older than StaleBefore (or that never
	// reported), or (false) the others.
	Stale       *bool
	StaleBefore time.Time
	// HostIDs, when not nil, keeps only the hosts whose ids it lists (ascending): the answer of
	// a fleet question (a pending update, an installed package, a repository).
	HostIDs []int64
	// Client keeps the hosts whose last report came from this kind of client.
	Client string
	// OutdatedThan keeps the patchward agents older than this (the server's) version, by
	// wire.Outdated: agents of unknown or dev versions never match.
	OutdatedThan string
	Sort         string // one of HostSorts; default "name"
	Desc         bool
	Limit        int // 0 means no limit
	Offset       int

	outdatedVersions []string // OutdatedThan resolved by Hosts
}

// Narrows reports whether any condition of f can leave a host out (sorting and paging aside).
func (f HostFilter) Narrows() bool {
	return f.Search != "" || f.OS != "" || f.Tag != "" || len(f.Tags) > 0 || len(f.NotTags) > 0 || f.Arch != "" || f.Domain != "" || f.Reboot != nil ||
		f.HasSecurity != nil || f.Stale != nil || f.HostIDs != nil || f.Client != "" || f.OutdatedThan != ""
}

// heldCountSQL counts the updates of host h (with computation c) that are for packages on
// hold: they are shown as held, never counted as pending. For a host without holds it is one
// index probe of host_holds.
//
// CROSS JOIN fixes the join order (SQLite never reorders it): host_holds first, so a host
// without holds costs one probe. Left to itself the planner may start from the host's
// computed updates, which made the dashboard and history scan millions of rows at 10,000 hosts.
const heldCountSQL = `(SELECT count(*) FROM host_holds hh CROSS JOIN packages p CROSS JOIN computed_updates cu
	WHERE hh.host_id = h.id AND p.name = hh.name AND cu.computation_id = h.computation_id
	AND cu.old_package_id = p.id AND cu.security = %d)`

// securityCountSQL and bugfixCountSQL are host h's pending update counts.
var (
	securityCountSQL = "(COALESCE(c.security_count, 0) - " + fmt.Sprintf(heldCountSQL, 1) + ")"
	bugfixCountSQL   = "(COALESCE(c.bugfix_count, 0) - " + fmt.Sprintf(heldCountSQL, 0) + ")"
)

// hostSorts maps a sort key to its ORDER BY expression. The hostname tie-breaker keeps paging
// stable when many hosts share a value.
var hostSorts = map[string]string{
	"name":     "h.hostname",
	"os":       "COALESCE(ov.name, '')",
	"kernel":   "h.kernel",
	"arch":     "h.arch",
	"security": securityCountSQL,
	"bugfix":   bugfixCountSQL,
	"packages": "COALESCE(ps.count, 0)",
	"report":   "COALESCE(h.last_report, '')",
	"reboot":   "h.reboot_required",
}

// HostSorts lists the sort keys HostFilter.Sort accepts.
func HostSorts() []string {
	keys := make([]string, 0, len(hostSorts))
	for k := range hostSorts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

const hostSummaryFrom = ` FROM hosts h
	LEFT JOIN os_variants ov ON ov.id = h.os_variant_id
	LEFT JOIN os_groups og ON og.id = ov.os_group_id
	LEFT JOIN package_sets ps ON ps.id = h.package_set_id
	LEFT JOIN computations c ON c.id = h.computation_id`

// char(31) (unit separator) cannot occur in a tag, so it splits group_concat safely.
var hostSummaryCols = `SELECT h.id, h.hostname, h.domain, COALESCE(ov.name, ''), COALESCE(og.name, ''),
	h.kernel, h.arch, h.ip, h.last_report, h.reboot_required, COALESCE(ps.count, 0),
	` + securityCountSQL + `, ` + bugfixCountSQL + `, c.computed, COALESCE(c.dirty, 0),
	h.client_reboot, h.reboot_reason, h.host_repos_only, h.check_dns,
	h.client, h.client_version, h.client_protocol, h.client_seen, h.agent_update, h.agent_update_at,
	COALESCE((SELECT group_concat(t.tag, char(31)) FROM (SELECT tag FROM host_tags
		WHERE host_id = h.id ORDER BY tag) t), ''),
	COALESCE((SELECT group_concat(t.tag, char(31)) FROM (SELECT tag FROM host_operator_tags
		WHERE host_id = h.id ORDER BY tag) t), '')`

func scanHostSummary(sc interface{ Scan(...any) error }) (HostSummary, error) {
	var s HostSummary
	var last, computed, seen, updated sql.NullTime
	var reported, operator string
	err := sc.Scan(&s.ID, &s.Hostname, &s.Domain, &s.OS, &s.OSGroup, &s.Kernel, &s.Arch, &s.IP, &last,
		&s.RebootRequired, &s.Packages, &s.SecurityUpdates, &s.BugfixUpdates, &computed, &s.Dirty,
		&s.ClientReboot, &s.RebootReason, &s.HostReposOnly, &s.CheckDNS,
		&s.Client, &s.ClientVersion, &s.ClientProtocol, &seen, &s.AgentUpdate, &updated, &reported, &operator)
	if err != nil {
		return s, err
	}
	s.LastReport, s.Computed, s.ClientSeen, s.AgentUpdateAt = last.Time, computed.Time, seen.Time, updated.Time
	if reported != "" {
		s.ReportedTags = strings.Split(reported, "\x1f")
	}
	if operator != "" {
		s.OperatorTags = strings.Split(operator, "\x1f")
	}
	s.Tags = unionTags(s.ReportedTags, s.OperatorTags)
	return s, nil
}

// unionTags merges two tag lists sorted as SQLite's NOCASE sorts them into one, a tag in both
// (case-insensitively) once. The common host has no operator tags: then it is a.
func unionTags(a, b []string) []string {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		return b
	}
	out := make([]string, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b):
			out, i = append(out, a[i]), i+1
		case i == len(a):
			out, j = append(out, b[j]), j+1
		default:
			switch c := compareFold(a[i], b[j]); {
			case c < 0:
				out, i = append(out, a[i]), i+1
			case c > 0:
				out, j = append(out, b[j]), j+1
			default:
				out, i, j = append(out, a[i]), i+1, j+1
			}
		}
	}
	return out
}

// allTags is every tag f requires.
func (f HostFilter) allTags() []string {
	if f.Tag == "" {
		return f.Tags
	}
	return append([]string{f.Tag}, f.Tags...)
}

// hasTagSQL is true when host h has the tag ?, reported or set by an operator.
const hasTagSQL = `(EXISTS (SELECT 1 FROM host_tags t WHERE t.host_id = h.id AND t.tag = ?)
	OR EXISTS (SELECT 1 FROM host_operator_tags t WHERE t.host_id = h.id AND t.tag = ?))`

// where builds the filter's WHERE clause and its arguments.
func (f HostFilter) where() (string, []any) {
	var conds []string
	var args []any
	for _, term := range strings.Fields(strings.ToLower(f.Search)) {
		// instr instead of LIKE: no wildcard escaping needed for user input.
		conds = append(conds, `(instr(lower(h.hostname), ?) > 0 OR instr(lower(h.domain), ?) > 0
			OR instr(lower(COALESCE(ov.name, '')), ?) > 0)`)
		args = append(args, term, term, term)
	}
	if f.OS != "" {
		conds = append(conds, `(ov.name = ? OR og.name = ?)`)
		args = append(args, f.OS, f.OS)
	}
	for _, t := range f.allTags() {
		conds = append(conds, hasTagSQL)
		args = append(args, t, t)
	}
	for _, t := range f.NotTags {
		conds = append(conds, `NOT `+hasTagSQL)
		args = append(args, t, t)
	}
	if f.Arch != "" {
		conds = append(conds, `h.arch = ?`)
		args = append(args, f.Arch)
	}
	if f.Reboot != nil {
		conds = append(conds, `h.reboot_required = ?`)
		args = append(args, boolInt(*f.Reboot))
	}
	if f.HasSecurity != nil {
		if *f.HasSecurity {
			conds = append(conds, securityCountSQL+` > 0`)
		} else {
			conds = append(conds, securityCountSQL+` = 0`)
		}
	}
	if f.Domain != "" {
		conds = append(conds, `h.domain = ?`)
		args = append(args, f.Domain)
	}
	if f.Stale != nil {
		if *f.Stale {
			conds = append(conds, `(h.last_report IS NULL OR h.last_report < ?)`)
		} else {
			conds = append(conds, `h.last_report >= ?`)
		}
		args = append(args, f.StaleBefore.UTC())
	}
	if f.HostIDs != nil {
		ids := make([]string, len(f.HostIDs))
		for i, id := range f.HostIDs {
			ids[i] = strconv.FormatInt(id, 10)
		}
		conds = append(conds, `h.id IN (SELECT value FROM json_each(?))`)
		args = append(args, "["+strings.Join(ids, ",")+"]")
	}
	if f.Client != "" {
		conds = append(conds, `h.client = ?`)
		args = append(args, f.Client)
	}
	if f.OutdatedThan != "" {
		// The version rule is Go's (wire.Outdated); Hosts resolves it into the list of
		// outdated versions first, which is short: a fleet runs few agent versions.
		conds = append(conds, `h.client = ? AND h.client_version IN (SELECT value FROM json_each(?))`)
		b, _ := json.Marshal(f.outdatedVersions)
		args = append(args, wire.ClientAgent, string(b))
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// resolveOutdated fills f.outdatedVersions: the distinct agent versions older than
// f.OutdatedThan.
func (f *HostFilter) resolveOutdated(ctx context.Context, tx *sql.Tx) error {
	f.outdatedVersions = []string{}
	if f.OutdatedThan == "" {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT client_version FROM hosts WHERE client = ?`, wire.ClientAgent)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return err
		}
		if wire.Outdated(v, f.OutdatedThan) {
			f.outdatedVersions = append(f.outdatedVersions, v)
		}
	}
	return rows.Err()
}

// Hosts returns one page of hosts matching f and the total number that match.
func (db *DB) Hosts(ctx context.Context, f HostFilter) ([]HostSummary, int, error) {
	order, ok := hostSorts[f.Sort]
	if !ok {
		order = hostSorts["name"]
	}
	dir := " ASC"
	if f.Desc {
		dir = " DESC"
	}
	var out []HostSummary
	var total int
	err := db.withReadTx(ctx, func(tx *sql.Tx) error {
		if err := f.resolveOutdated(ctx, tx); err != nil {
			return err
		}
		where, args := f.where()
		q := hostSummaryCols + hostSummaryFrom + where + " ORDER BY " + order + dir + ", h.hostname" + dir
		pageArgs := slices.Clone(args)
		if f.Limit > 0 {
			q += limitSQL(f.Limit, f.Offset)
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*)`+hostSummaryFrom+where, args...).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, q, pageArgs...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			s, err := scanHostSummary(rows)
			if err != nil {
				return err
			}
			out = append(out, s)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list hosts: %w", err)
	}
	return out, total, nil
}

// HostByName returns one host by hostname (case-insensitive); ErrNotFound if unknown.
func (db *DB) HostByName(ctx context.Context, name string) (HostSummary, error) {
	row := db.cachedQueryRow(ctx, nil, hostSummaryCols+hostSummaryFrom+` WHERE h.hostname = ?`, name)
	s, err := scanHostSummary(row)
	if errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("host %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return s, fmt.Errorf("host %s: %w", name, err)
	}
	return s, nil
}

// HostFacets are the values the host list can be filtered by, for the filter form.
type HostFacets struct {
	OS      []string // OS groups and OS variants that hosts have
	Tags    []string
	Arches  []string
	Domains []string
}

// HostFacets returns the distinct OS names, tags and architectures of all hosts, sorted.
func (db *DB) HostFacets(ctx context.Context) (HostFacets, error) {
	var f HostFacets
	queries := []struct {
		dst *[]string
		q   string
	}{
		{&f.OS, `SELECT og.name FROM hosts h JOIN os_variants ov ON ov.id = h.os_variant_id
			JOIN os_groups og ON og.id = ov.os_group_id
			UNION SELECT ov.name FROM hosts h JOIN os_variants ov ON ov.id = h.os_variant_id ORDER BY 1`},
		{&f.Tags, `SELECT tag FROM host_tags UNION SELECT tag FROM host_operator_tags ORDER BY 1`},
		{&f.Arches, `SELECT DISTINCT arch FROM hosts WHERE arch != '' ORDER BY 1`},
		{&f.Domains, `SELECT DISTINCT domain FROM hosts WHERE domain != '' ORDER BY 1`},
	}
	err := db.withReadTx(ctx, func(tx *sql.Tx) error {
		for _, q := range queries {
			rows, err := tx.QueryContext(ctx, q.q)
			if err != nil {
				return err
			}
			for rows.Next() {
				var v string
				if err := rows.Scan(&v); err != nil {
					rows.Close()
					return err
				}
				*q.dst = append(*q.dst, v)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return HostFacets{}, fmt.Errorf("host facets: %w", err)
	}
	return f, nil
}
