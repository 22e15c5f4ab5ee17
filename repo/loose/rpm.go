package loose

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"

	"github.com/cavaliergopher/rpm"
)

// ReadRPM reads the header of the .rpm at path with github.com/cavaliergopher/rpm. The header
// structure is checked first (every index entry's values inside its store, the store inside
// the file), since the library allocates what the header declares before checking it.
func ReadRPM(path string) (p Package, err error) {
	f, size, err := openCapped(path)
	if err != nil {
		return Package{}, err
	}
	defer f.Close()
	if err := checkRPMHeaders(io.NewSectionReader(f, 0, min(size, MaxHeader)), min(size, MaxHeader)); err != nil {
		return Package{}, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return Package{}, err
	}
	defer func() { // the checks above should leave nothing to panic on; never crash on a file
		if r := recover(); r != nil {
			p, err = Package{}, corrupt("rpm header: %v", r)
		}
	}()
	pkg, err := rpm.Read(bufio.NewReader(io.LimitReader(f, MaxHeader)))
	if err != nil {
		return Package{}, corrupt("rpm header: %v", err)
	}
	if pkg.Name() == "" || pkg.Version() == "" {
		return Package{}, corrupt("rpm header without name or version")
	}
	p = Package{Type: "rpm", Name: pkg.Name(), Version: pkg.Version(), Release: pkg.Release(), Arch: pkg.Architecture(),
		Source: pkg.SourceRPM(), CVEs: CVEsIn(append(pkg.ChangeLog(), pkg.Header.GetTag(rpmTagChangelogText).StringSlice()...)...)}
	if e := pkg.Header.GetTag(1003); e != nil { // RPMTAG_EPOCH, present only when set
		p.Epoch = strconv.Itoa(pkg.Epoch())
	}
	if p.Arch == "" {
		p.Arch = "noarch"
	}
	return p, nil
}

// rpmTagChangelogText is RPMTAG_CHANGELOGTEXT: the library's ChangeLog reads the obsolete tag
// 1017, which rpmbuild no longer writes.
const rpmTagChangelogText = 1082

// rpm type sizes by tag type: null, char, int8, int16, int32, int64, string, bin, string
// array, i18n string. Strings take at least one byte each.
var rpmTypeSize = [...]int64{0, 1, 1, 2, 4, 8, 1, 1, 1, 1}

// checkRPMHeaders checks the lead, then the signature and main header structures of the
// first size bytes of r.
func checkRPMHeaders(r io.ReaderAt, size int64) error {
	lead := make([]byte, 96)
	if _, err := r.ReadAt(lead, 0); err != nil {
		return corrupt("no rpm lead: %v", err)
	}
	if lead[0] != 0xed || lead[1] != 0xab || lead[2] != 0xee || lead[3] != 0xdb {
		return corrupt("not an rpm file (bad lead magic)")
	}
	off := int64(96)
	for i, what := range []string{"signature", "header"} {
		n, err := checkRPMHeader(r, off, size)
		if err != nil {
			return fmt.Errorf("rpm %s: %w", what, err)
		}
		off += n
		if i == 0 && off%8 != 0 { // the signature is padded to 8 bytes
			off += 8 - off%8
		}
	}
	return nil
}

// checkRPMHeader checks one header structure at off and returns its length.
func checkRPMHeader(r io.ReaderAt, off, size int64) (int64, error) {
	intro := make([]byte, 16)
	if _, err := r.ReadAt(intro, off); err != nil {
		return 0, corrupt("truncated at %d: %v", off, err)
	}
	if intro[0] != 0x8e || intro[1] != 0xad || intro[2] != 0xe8 {
		return 0, corrupt("bad header magic at %d", off)
	}
	count := int64(binary.BigEndian.Uint32(intro[8:12]))
	store := int64(binary.BigEndian.Uint32(intro[12:16]))
	total := 16 + count*16 + store
	if count == 0 || off+total > size {
		return 0, corrupt("header of %d entries and %d bytes does not fit the file", count, store)
	}
	index := make([]byte, count*16)
	if _, err := r.ReadAt(index, off+16); err != nil {
		return 0, corrupt("truncated index: %v", err)
	}
	for i := int64(0); i < count; i++ {
		e := index[i*16 : i*16+16]
		typ := int64(binary.BigEndian.Uint32(e[4:8]))
		o := int64(binary.BigEndian.Uint32(e[8:12]))
		n := int64(binary.BigEndian.Uint32(e[12:16]))
		if typ >= int64(len(rpmTypeSize)) || n < 1 || o > store || o+n*rpmTypeSize[typ] > store {
			return 0, corrupt("index entry %d (type %d, %d values at %d) outside the %d-byte store", i, typ, n, o, store)
		}
	}
	return total, nil
}
