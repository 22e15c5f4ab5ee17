package ui

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"patchward/store"
	"patchward/ui/output"
)

func reportsURL(status string) string {
	if status == "" {
		return "/reports"
	}
	return "/reports?status=" + status
}

func orAll(s string) string {
	if s == "" {
		return "all"
	}
	return s
}

func tabLabel(st string) string {
	switch st {
	case store.ReportPending:
		return "Pending"
	case store.ReportProcessed:
		return "Processed"
	case store.ReportRejected:
		return "Rejected"
	}
	return "All"
}

func ariaCurrent(b bool) string {
	if b {
		return "page"
	}
	return "false"
}

const reportsPerPage = 100

// reportFilter reads status, host and before (an id, for paging back) from a query.
func reportFilter(q url.Values) (store.ReportFilter, error) {
	f := store.ReportFilter{Status: q.Get("status"), Hostname: q.Get("host"), Limit: reportsPerPage}
	switch f.Status {
	case "", store.ReportPending, store.ReportProcessed, store.ReportRejected:
	default:
		return f, badRequest("Unknown report status.")
	}
	if b := q.Get("before"); b != "" {
		id, err := strconv.ParseInt(b, 10, 64)
		if err != nil {
			return f, badRequest("Invalid report id.")
		}
		f.BeforeID = id
	}
	return f, nil
}

func (s *server) reports(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, err := reportFilter(q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if wantCSV(r) {
		f.Limit = 1 << 30
	}
	reps, err := s.db.Reports(r.Context(), f)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if wantCSV(r) {
		writeCSV(s, w, "reports", output.Rows(reps, output.ReportOf))
		return
	}
	counts, err := s.db.ReportCounts(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := s.page(r, "Reports", "reports")
	l := listPage{Heading: "Reports", TestID: "reports-table", RowID: "report-row",
		Sub:     fmt.Sprintf("%s pending · %s processed · %s rejected", num(counts[store.ReportPending]), num(counts[store.ReportProcessed]), num(counts[store.ReportRejected])),
		Columns: []column{{Label: "Report"}, {Label: "Host"}, {Label: "Received"}, {Label: "Protocol", Class: "hide-sm"}, {Label: "Status"}, {Label: "Reason", Class: "hide-sm"}},
		Empty:   "No report here.", CSV: csvLink("/reports", q), Filters: statusTabs(f.Status, counts)}
	if p.CanAct {
		l.Columns = append(l.Columns, column{Label: "Actions"}, column{Label: ""})
	}
	for _, rp := range reps {
		row := []cell{link("#"+id64(rp.ID), "/reports/"+id64(rp.ID)), hostCell(rp.Hostname, rp.HostID), timeCell(rp.Received),
			txt(rp.Protocol), statusCell(rp.Status), txt(rp.Error)}
		if p.CanAct {
			row = append(row, reportButtons(rp)...)
		}
		l.Rows = append(l.Rows, row)
	}
	if len(reps) == reportsPerPage {
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("before", id64(reps[len(reps)-1].ID))
		l.Below = olderLink("/reports?" + next.Encode())
	}
	s.list(w, r, p, l)
}

func hostCell(name string, id int64) cell {
	if id != 0 {
		return link(name, hostURL(name))
	}
	return txt(orDash(name))
}

func statusCell(st string) cell {
	kind := map[string]string{store.ReportPending: "neutral", store.ReportProcessed: "ok"}[st]
	if kind == "" {
		kind = "security"
	}
	return badge(st, kind)
}

func reportButtons(rp store.Report) []cell {
	base := "/reports/" + id64(rp.ID)
	requeue := cell{}
	if rp.Status != store.ReportPending {
		requeue = cell{Button: &button{Action: base + "/requeue", Label: "Reprocess", TestID: "report-requeue"}}
	}
	return []cell{requeue, {Button: &button{Action: base + "/delete", Label: "Delete", Danger: true, TestID: "report-delete"}}}
}

func (s *server) report(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rp, err := s.db.Report(r.Context(), id)
	if err != nil {
		s.fail(w, r, notFoundAs(err, "There is no report #"+id64(id)+"."))
		return
	}
	var payload *store.HostReport
	if hr, err := s.db.ReportPayload(r.Context(), id); err == nil {
		payload = &hr
	}
	s.render(w, r, http.StatusOK, reportView(s.page(r, "Report #"+id64(id), "reports"), rp, payload))
}

// reportAction runs requeue or delete for the page and the API.
func (s *server) reportAction(r *http.Request, id int64, action string) error {
	var err error
	if action == "requeue" {
		err = s.db.RequeueReport(r.Context(), id)
	} else {
		err = s.db.DeleteReport(r.Context(), id)
	}
	if err != nil {
		return err
	}
	s.audit(r, "report."+action, "report "+id64(id))
	return nil
}

func (s *server) reportPost(w http.ResponseWriter, r *http.Request, action, msg string) {
	id, err := pathID(r)
	if err == nil {
		err = s.reportAction(r, id, action)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/reports?msg="+msg, http.StatusSeeOther)
}

func (s *server) reportRequeue(w http.ResponseWriter, r *http.Request) {
	s.reportPost(w, r, "requeue", "report-requeued")
}

func (s *server) reportDelete(w http.ResponseWriter, r *http.Request) {
	s.reportPost(w, r, "delete", "report-deleted")
}
