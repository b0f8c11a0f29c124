package views

// TabAuditLog is the Audit Log tab of System › Administration.
const TabAuditLog = "audit-log"

// AuditLogPage is System › Administration › Audit Log.
type AuditLogPage struct {
	Shell
	Action  string   // the selected action filter; "" for all
	Actions []Option // the actions to filter by
	Query   string   // free text matched against actor, target and detail
	Events  []AuditRow
	// Limited is set when more events matched than are shown.
	Limited bool
	Limit   int
}

// AuditRow is one event of the audit log.
type AuditRow struct {
	Time   string // "2026-11-25 18:40:12 UTC"
	Actor  string
	Action string
	Target string
	Detail string
}
