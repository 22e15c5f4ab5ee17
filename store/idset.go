package store

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"slices"
)

// IDSet is a sorted, duplicate-free list of row ids. It is stored as a BLOB of uvarint deltas,
// which keeps a 1,500-package host set near 3 KB and makes loading it a single row read.
type IDSet []int64

// NewIDSet sorts and de-duplicates ids into an IDSet (the slice is reused).
func NewIDSet(ids []int64) IDSet {
	slices.Sort(ids)
	return IDSet(slices.Compact(ids))
}

// Encode returns the BLOB form of s.
func (s IDSet) Encode() []byte {
	buf := make([]byte, 0, len(s)*3)
	var prev int64
	for _, id := range s {
		buf = binary.AppendUvarint(buf, uint64(id-prev))
		prev = id
	}
	return buf
}

// Digest is the SHA-256 of the encoded set: equal sets have equal digests.
func (s IDSet) Digest() []byte {
	sum := sha256.Sum256(s.Encode())
	return sum[:]
}

// Contains reports whether id is in s.
func (s IDSet) Contains(id int64) bool {
	_, ok := slices.BinarySearch(s, id)
	return ok
}

var errBadIDSet = errors.New("corrupt id set")

// DecodeIDSet parses the BLOB form written by Encode.
func DecodeIDSet(b []byte) (IDSet, error) {
	out := make(IDSet, 0, len(b)/2)
	var prev int64
	for len(b) > 0 {
		d, n := binary.Uvarint(b)
		if n <= 0 {
			return nil, errBadIDSet
		}
		b = b[n:]
		prev += int64(d)
		out = append(out, prev)
	}
	return out, nil
}
