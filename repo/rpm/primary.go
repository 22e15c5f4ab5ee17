package rpm

import (
	"encoding/xml"
	"fmt"
	"io"
	"patchward/repo/xmlwalk"
)

// Package is one binary package of primary.xml.
type Package struct {
	Name    string
	Arch    string
	Epoch   string // "" for no epoch or epoch 0
	Version string
	Release string
}

// ParsePrimary reads primary.xml and calls fn for every <package type="rpm"> (or without a
// type) that has a name and a version, in file order. An error from fn stops parsing and is
// returned as is.
func ParsePrimary(r io.Reader, fn func(Package) error) error {
	w := xmlwalk.New(r)
	var p Package
	in, ok := false, false
	for {
		tok, err := w.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("parse primary: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case w.Depth == 1 && t.Name.Local != "metadata":
				return fmt.Errorf("parse primary: root element is <%s>, want <metadata>", t.Name.Local)
			case w.Depth == 2 && t.Name.Local == "package" && t.Name.Space == "":
				typ := xmlwalk.Attr(t, "", "type")
				p, in, ok = Package{}, typ == "rpm" || typ == "", false
			case w.Depth == 3 && in:
				if err := packageField(w, t, &p, &ok); err != nil {
					return fmt.Errorf("parse primary: %w", err)
				}
			}
		case xml.EndElement:
			if w.Depth == 1 && in {
				in = false
				if p.Name != "" && ok {
					if err := fn(p); err != nil {
						return err
					}
				}
			}
		}
	}
}

// packageField reads one child of <package>; ok is set once a version with ver was seen.
func packageField(w *xmlwalk.Walker, t xml.StartElement, p *Package, ok *bool) error {
	if t.Name.Space != "" {
		return nil
	}
	var err error
	switch t.Name.Local {
	case "name":
		p.Name, err = w.Text()
	case "arch":
		p.Arch, err = w.Text()
	case "version":
		p.Epoch, p.Version, p.Release = xmlwalk.Attr(t, "", "epoch"), xmlwalk.Attr(t, "", "ver"), xmlwalk.Attr(t, "", "rel")
		if p.Epoch == "0" {
			p.Epoch = ""
		}
		*ok = p.Version != ""
	}
	return err
}
