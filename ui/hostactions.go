package ui

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"patchward/store"
	"patchward/ui/output"
)

// bulkResult says what a bulk action did, for the flash message and the API answer.
type bulkResult struct {
	Action string `json:"action"`
	Hosts  int    `json:"hosts"`
	Ran    bool   `json:"ran"` // find-updates: the update run happened (false: marked for the next run)
}

// bulkHosts applies action ("find-updates", "tag", "untag", "delete") to the named hosts.
func (s *server) bulkHosts(r *http.Request, names []string, action, tag string) (bulkResult, error) {
	ctx := r.Context()
	res := bulkResult{Action: action}
	if len(names) == 0 {
		return res, badRequest("Select at least one host.")
	}
	if len(names) > 10000 {
		return res, badRequest("Select at most 10,000 hosts at once.")
	}
	ids, err := s.db.HostIDs(ctx, names)
	if err != nil {
		return res, err
	}
	res.Hosts = len(ids)
	switch action {
	case "find-updates":
		if err := s.db.MarkHostsDirty(ctx, ids); err != nil {
			return res, err
		}
		s.audit(r, "hosts.find-updates", fmt.Sprintf("%d hosts", len(ids)))
		if s.act.FindUpdates != nil {
			actx, cancel := context.WithTimeout(ctx, actionTimeout)
			defer cancel()
			if err := s.act.FindUpdates(actx); err != nil {
				return res, err
			}
			res.Ran = true
		}
	case "tag", "untag":
		tag = strings.TrimSpace(tag)
		if !store.ValidTag(tag) {
			return res, badRequest(badTagMessage)
		}
		if err := s.db.TagHosts(ctx, ids, tag, action == "tag"); err != nil {
			return res, err
		}
		s.audit(r, "hosts."+action, fmt.Sprintf("%q on %d hosts: %s", tag, len(ids), auditNames(names)))
	case "delete":
		n, err := s.db.DeleteHosts(ctx, ids)
		if err != nil {
			return res, err
		}
		res.Hosts = n
		s.audit(r, "hosts.delete", fmt.Sprintf("%d hosts: %s", n, auditNames(names)))
	default:
		return res, badRequest("Choose an action: find updates, tag, untag or delete.")
	}
	return res, nil
}

// badTagMessage answers a tag store.ValidTag refuses.
const badTagMessage = "Give a tag of 1 to 64 characters without commas, not starting with - or !."

// auditNames keeps an audit detail readable when many hosts were selected.
func auditNames(names []string) string {
	if len(names) > 20 {
		return strings.Join(names[:20], ", ") + fmt.Sprintf(" and %d more", len(names)-20)
	}
	return strings.Join(names, ", ")
}

func (s *server) hostsBulk(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	back := safeNext(r.PostForm.Get("back"))
	if !strings.HasPrefix(back, "/hosts") {
		back = "/hosts"
	}
	names, err := s.bulkNames(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	action := r.PostForm.Get("action")
	if action == "delete-review" {
		s.bulkDeleteReview(w, r, names, back)
		return
	}
	res, err := s.bulkHosts(r, names, action, r.PostForm.Get("tag"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, withMsg(back, "bulk-"+res.Action), http.StatusSeeOther)
}

// bulkNames are the hosts a bulk form acts on: the ticked rows, or with all=1 every host that
// matches the list filter the form was shown with (its query in the filter field), on every page.
func (s *server) bulkNames(r *http.Request) ([]string, error) {
	if r.PostForm.Get("all") != "1" {
		return r.PostForm["host"], nil
	}
	return s.matchingNames(r, r.PostForm.Get("filter"))
}

// matchingNames are the names of every host the host list query matches ("" matches all).
func (s *server) matchingNames(r *http.Request, query string) ([]string, error) {
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, badRequest("The host filter is not a valid query.")
	}
	f, _ := s.hostFilter(q)
	f.Limit, f.Offset = 0, 0
	snap, err := s.hostSnapshot(r.Context())
	if err != nil {
		return nil, err
	}
	hosts, _ := snap.Hosts(f)
	names := make([]string, len(hosts))
	for i, h := range hosts {
		names[i] = h.Hostname
	}
	return names, nil
}

// bulkReviewShown is how many names the delete review lists; all of them are deleted.
const bulkReviewShown = 200

// bulkDeleteData is the page that asks before a bulk delete, naming the hosts that go.
type bulkDeleteData struct {
	Names []string // every host that goes (posted back as the confirmation's hosts)
	Back  string
}

// bulkDeleteReview asks before deleting: the list's delete action lands here, and only the
// form on this page (action=delete with the same hosts) deletes.
func (s *server) bulkDeleteReview(w http.ResponseWriter, r *http.Request, names []string, back string) {
	if len(names) > 10000 {
		s.fail(w, r, badRequest("Select at most 10,000 hosts at once."))
		return
	}
	ids, err := s.db.HostIDs(r.Context(), names)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(ids) == 0 {
		s.fail(w, r, badRequest("Select at least one host."))
		return
	}
	s.render(w, r, http.StatusOK, bulkDeleteView(s.page(r, "Delete hosts", "hosts"), bulkDeleteData{Names: names, Back: back}))
}

// withMsg adds the flash key msg to a local URL.
func withMsg(target, msg string) string {
	u, err := url.Parse(target)
	if err != nil {
		return "/?msg=" + msg
	}
	q := u.Query()
	q.Set("msg", msg)
	u.RawQuery = q.Encode()
	return u.String()
}

func (s *server) hostDelete(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if _, err := s.db.HostByName(r.Context(), name); err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.bulkHosts(r, []string{name}, "delete", ""); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/hosts?msg=bulk-delete", http.StatusSeeOther)
}

// compareRow is one package name+arch whose versions differ between two hosts.
type compareRow struct {
	Name, Arch string
	A, B       string // versions; "" when the host lacks the package
}

// comparePackages is Patchman's host diff: packages only on one host or at different versions.
func comparePackages(a, b []store.PackageKey) []compareRow {
	type na struct{ name, arch string }
	bv := map[na]string{}
	for _, k := range b {
		bv[na{k.Name, k.Arch}] = k.EVR()
	}
	var out []compareRow
	seen := map[na]bool{}
	for _, k := range a {
		key := na{k.Name, k.Arch}
		seen[key] = true
		if v, ok := bv[key]; !ok || v != k.EVR() {
			out = append(out, compareRow{Name: k.Name, Arch: k.Arch, A: k.EVR(), B: v})
		}
	}
	for _, k := range b {
		if !seen[na{k.Name, k.Arch}] {
			out = append(out, compareRow{Name: k.Name, Arch: k.Arch, B: k.EVR()})
		}
	}
	slicesSortCompare(out)
	return out
}

// compareData is the compare page.
type compareData struct {
	A, B  store.HostSummary
	With  string
	Rows  []compareRow
	Ready bool // a second host was chosen and found
}

func (s *server) hostCompare(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, err := s.db.HostByName(ctx, r.PathValue("name"))
	if err != nil {
		s.fail(w, r, noHost(err, r.PathValue("name")))
		return
	}
	d := compareData{A: a, With: strings.TrimSpace(r.URL.Query().Get("with"))}
	p := s.page(r, "Compare "+a.Hostname, "hosts")
	if d.With != "" {
		b, err := s.db.HostByName(ctx, d.With)
		if err != nil {
			s.fail(w, r, noHost(err, d.With))
			return
		}
		pa, err := s.db.HostPackages(ctx, a.ID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		pb, err := s.db.HostPackages(ctx, b.ID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		d.B, d.Rows, d.Ready = b, comparePackages(pa, pb), true
		if wantCSV(r) {
			writeCSV(s, w, "compare", output.Rows(d.Rows, func(c compareRow) output.Comparison {
				return output.Comparison{Package: c.Name, Arch: c.Arch, A: c.A, B: c.B}
			}), output.RenameColumn("a", a.Hostname), output.RenameColumn("b", b.Hostname))
			return
		}
	}
	s.render(w, r, http.StatusOK, compareView(p, d))
}
