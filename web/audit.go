package web

import (
	"net/http"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/views"
)

const (
	pathAuditLog = views.PathAuditLog
	// auditPageSize is how many matching events the Audit Log tab shows; the
	// text filter searches the newest auditScan events.
	auditPageSize = 200
	auditScan     = 1000
)

func (s *Server) auditLog(c echo.Context) error {
	ctx := c.Request().Context()
	action := strings.TrimSpace(c.QueryParam(views.FieldAuditAction))
	query := strings.TrimSpace(c.QueryParam(views.FieldSearch))
	sh, err := s.shell(c, "Audit Log")
	if err != nil {
		return err
	}
	all, err := s.store.ListAudit(ctx, store.AuditFilter{Limit: auditScan})
	if err != nil {
		return err
	}
	page := views.AuditLogPage{Shell: sh, Action: action, Query: query, Limit: auditPageSize}
	seen := map[string]bool{}
	needle := strings.ToLower(query)
	for _, e := range all {
		seen[e.Action] = true
		if action != "" && e.Action != action {
			continue
		}
		if needle != "" && !strings.Contains(strings.ToLower(e.Actor+" "+e.Target+" "+e.Detail), needle) {
			continue
		}
		if len(page.Events) == auditPageSize {
			page.Limited = true
			continue
		}
		page.Events = append(page.Events, views.AuditRow{
			Time: e.Time.UTC().Format("2006-01-02 15:04:05 UTC"), Actor: e.Actor,
			Action: e.Action, Target: e.Target, Detail: e.Detail,
		})
	}
	seen[action] = action != ""
	actions := make([]string, 0, len(seen))
	for a, ok := range seen {
		if ok {
			actions = append(actions, a)
		}
	}
	sort.Strings(actions)
	for _, a := range actions {
		page.Actions = append(page.Actions, views.Option{Value: a, Label: a, Selected: a == action})
	}
	return render(c, http.StatusOK, views.AuditLogPageView(page))
}
