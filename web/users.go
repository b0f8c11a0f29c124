package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/views"
)

const (
	pathUsers = views.PathUsers
	// usersPageSize rows are rendered per page, so that the page stays fast
	// with ten thousand users.
	usersPageSize = 50
)

// usersPage is GET /admin/users: the users, searched by user name, name and
// e-mail (?q=) and paged (?page=), read-only: users are provisioned through
// SCIM.
func (s *Server) usersPage(c echo.Context) error {
	ctx := c.Request().Context()
	sh, err := s.shell(c, "Users")
	if err != nil {
		return err
	}
	roles, err := s.svc.Roles(ctx)
	if err != nil {
		return err
	}
	display := make(map[string]string, len(roles))
	for _, r := range roles {
		display[r.Value] = r.Display
	}
	users, pager, err := pageOf(c, pathUsers, usersPageSize, s.store.SearchUsers)
	if err != nil {
		return err
	}
	page := views.UsersPage{Shell: sh, Pager: pager}
	for _, u := range users {
		page.Users = append(page.Users, userRow(u, display))
	}
	return render(c, http.StatusOK, views.UsersPageView(page))
}

// userRow is how the Users tab shows u, with role values replaced by their names.
func userRow(u store.User, display map[string]string) views.UserRow {
	row := views.UserRow{
		ID: u.ID, UserName: u.UserName, Active: u.Active, Technical: u.ClientID != "",
		Name: strings.TrimSpace(u.GivenName + " " + u.FamilyName),
	}
	if row.Name == "" {
		row.Name = u.DisplayName
	}
	for i, e := range u.Emails {
		if i == 0 || e.Primary {
			row.Email = e.Value
		}
		if e.Primary {
			break
		}
	}
	for _, r := range u.Roles {
		if d, ok := display[r]; ok {
			row.Roles = append(row.Roles, d)
		} else {
			row.Roles = append(row.Roles, r)
		}
	}
	return row
}
