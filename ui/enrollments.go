package ui

import (
	"errors"
	"net/http"

	"patchward/store"
)

// Enrollments of names that already report wait for an admin (security issue 19, item 7):
// the Admin page lists them with Approve and Dismiss, and the API does the same, beside the
// CLI's `patchward enroll-token pending|approve`.

// decideEnrollment approves or dismisses the pending enrollment of the path's {name}.
func (s *server) decideEnrollment(r *http.Request, approve bool) (string, error) {
	name := store.NormalHostname(r.PathValue("name"))
	do, verb := s.db.DismissEnrollment, "dismissed"
	if approve {
		do, verb = s.db.ApproveEnrollment, "approved"
	}
	if err := do(r.Context(), name); errors.Is(err, store.ErrNotFound) {
		return name, notFoundErr("No enrollment of " + name + " waits for approval.")
	} else if err != nil {
		return name, err
	}
	action := "enrollment.dismiss"
	if approve {
		action = "enrollment.approve"
	}
	s.audit(r, action, "host "+name+": enrollment "+verb)
	return name, nil
}

func (s *server) enrollmentApprove(w http.ResponseWriter, r *http.Request) {
	s.enrollmentDecide(w, r, true)
}

func (s *server) enrollmentDismiss(w http.ResponseWriter, r *http.Request) {
	s.enrollmentDecide(w, r, false)
}

func (s *server) enrollmentDecide(w http.ResponseWriter, r *http.Request, approve bool) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	name, err := s.decideEnrollment(r, approve)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	msg := "Enrollment of " + name + " dismissed. Its agent's next attempt asks again."
	if approve {
		msg = "Enrollment of " + name + " approved. Its agent enrolls on its next run; its keyless reports are refused from then on."
	}
	s.renderAdminNotice(w, r, msg)
}

// enrollmentDecided is the answer of the API's approve and dismiss.
type enrollmentDecided struct {
	Hostname string `json:"hostname"`
	Done     string `json:"done"`
}

func (s *server) apiEnrollments(w http.ResponseWriter, r *http.Request) {
	reqs, err := s.db.PendingEnrollments(r.Context())
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, list(reqs, len(reqs)))
}

func (s *server) apiEnrollmentApprove(w http.ResponseWriter, r *http.Request) {
	s.apiEnrollmentDecide(w, r, true)
}

func (s *server) apiEnrollmentDismiss(w http.ResponseWriter, r *http.Request) {
	s.apiEnrollmentDecide(w, r, false)
}

func (s *server) apiEnrollmentDecide(w http.ResponseWriter, r *http.Request, approve bool) {
	name, err := s.decideEnrollment(r, approve)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	done := "dismissed"
	if approve {
		done = "approved"
	}
	s.apiJSON(w, http.StatusOK, enrollmentDecided{Hostname: name, Done: done})
}
