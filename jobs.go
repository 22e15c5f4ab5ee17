package main

import "patchward/ui/app"

// scheduledJobs is the table of the server's scheduled jobs, handed to the App that Run
// schedules: the name in logs and metrics, the cron spec from the [schedule] config (empty
// disables the job), and the App method that runs. Each job never overlaps itself, and a CLI
// run of the same job stays safe beside it through SQLite's single writer.
func scheduledJobs(a *app.App) []app.Job {
	s := a.Config().Schedule
	return []app.Job{
		{Name: "process", Spec: s.Process, Run: a.Process},
		{Name: "refresh", Spec: s.Refresh, Run: a.RefreshAll},
		{Name: "find_updates", Spec: s.FindUpdates, Run: a.FindUpdates},
		{Name: "cleanup", Spec: s.Cleanup, Run: a.Cleanup},
		{Name: "history", Spec: s.History, Run: a.RecordHistory},
	}
}
