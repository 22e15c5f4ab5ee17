package ui

import (
	"fmt"

	"patchward/store"
)

// The confirm steps of the UI's destructive buttons: each names what goes and what follows.
// The POST routes behind them act at once (the API and scripts post them directly); only the
// pages put a step in front.

func hostDeleteConfirm(h store.HostSummary) confirm {
	return confirm{Action: hostURL(h.Hostname) + "/delete", Summary: "Delete host…", TestID: "host-delete",
		What: fmt.Sprintf("Deletes %s with its %s, tags, holds and computed updates; its reports stay, unlinked. "+
			"Its next report adds it again.", h.Hostname, plural(h.Packages, "installed package")),
		Button: "Delete " + h.Hostname}
}

func keyRevokeConfirm(k store.APIKey) confirm {
	what := fmt.Sprintf("Whatever uses the %s key %q (%s…) is refused from now on.", k.Kind, k.Name, k.Prefix)
	if k.Kind == "patchman" {
		what += " Patchman protocol 2 uploads signed with it are rejected."
	}
	return confirm{Action: "/admin/api-keys/" + id64(k.ID) + "/revoke", Summary: "Revoke…", TestID: "key-revoke",
		What: what + " A revoked key cannot be restored.", Button: "Revoke key " + k.Name}
}

func tokenRevokeConfirm(t store.EnrollToken) confirm {
	return confirm{Action: "/admin/enroll-tokens/" + id64(t.ID) + "/revoke", Summary: "Revoke…", TestID: "token-revoke",
		What: fmt.Sprintf("The enrollment token %q (%s…) can no longer enroll hosts. The %s enrolled with it keep their own host tokens.",
			t.Name, t.Prefix, plural(t.Uses, "host")),
		Button: "Revoke token " + t.Name}
}

func reportDeleteConfirm(rp store.Report) confirm {
	host := rp.Hostname
	if host == "" {
		host = "an unknown host"
	}
	return confirm{Action: "/reports/" + id64(rp.ID) + "/delete", Summary: "Delete…", TestID: "report-delete",
		What: fmt.Sprintf("Deletes report #%d (%s) from %s, received %s. The host and what the report already changed stay.",
			rp.ID, rp.Status, host, rp.Received.UTC().Format("2006-01-02 15:04 UTC")),
		Button: fmt.Sprintf("Delete report #%d", rp.ID)}
}

func userDeleteConfirm(u store.User) confirm {
	return confirm{Action: "/admin/users/" + id64(u.ID) + "/delete", Summary: "Delete…", TestID: "user-delete",
		What:   fmt.Sprintf("Deletes the %s account %s and ends its sessions; the audit log keeps its name.", u.Role, u.Name),
		Button: "Delete user " + u.Name}
}
