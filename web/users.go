package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/views"
)

const (
	pathUsers = "/admin/users"
	// usersPageSize rows are rendered per page, so that the page stays fast
	// with ten thousand users.
	usersPageSize = 50
	// maxUserSearch bounds the search text.
	maxUserSearch = 100
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
	query := strings.TrimSpace(c.QueryParam(views.FieldUserSearch))
	if r := []rune(query); len(r) > maxUserSearch {
		query = string(r[:maxUserSearch])
	}
	users, err := s.store.ListUsers(ctx)
	if err != nil {
		return err
	}
	roles, err := s.store.ListRoles(ctx)
	if err != nil {
		return err
	}
	display := make(map[string]string, len(roles))
	for _, r := range roles {
		display[r.Value] = r.Display
	}
	matched := users
	if query != "" {
		needle := strings.ToLower(query)
		matched = make([]store.User, 0, len(users))
		for _, u := range users {
			if userMatches(u, needle) {
				matched = append(matched, u)
			}
		}
	}
	page := views.UsersPage{Shell: sh, Query: query, Total: len(matched), AllUsers: len(users)}
	page.Pages = max(1, (len(matched)+usersPageSize-1)/usersPageSize)
	page.Page = 1
	if n, err := strconv.Atoi(c.QueryParam("page")); err == nil && n > 1 {
		page.Page = min(n, page.Pages) // a page past the end shows the last one
	}
	from := (page.Page - 1) * usersPageSize
	to := min(from+usersPageSize, len(matched))
	for _, u := range matched[from:to] {
		page.Users = append(page.Users, userRow(u, display))
	}
	if len(page.Users) > 0 {
		page.From, page.To = from+1, to
	}
	if page.Page > 1 {
		page.PrevURL = usersURL(query, page.Page-1)
	}
	if page.Page < page.Pages {
		page.NextURL = usersURL(query, page.Page+1)
	}
	return render(c, http.StatusOK, views.UsersPageView(page))
}

// userMatches reports whether needle (lower case) is part of u's user name,
// name, display name or one of its e-mail addresses.
func userMatches(u store.User, needle string) bool {
	fields := []string{u.UserName, u.GivenName + " " + u.FamilyName, u.DisplayName}
	for _, e := range u.Emails {
		fields = append(fields, e.Value)
	}
	for _, f := range fields {
		if strings.Contains(strings.ToLower(f), needle) {
			return true
		}
	}
	return false
}

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

// usersURL is the Users page with a search and a page number.
func usersURL(query string, page int) string {
	v := url.Values{}
	if query != "" {
		v.Set(views.FieldUserSearch, query)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return pathUsers
	}
	return pathUsers + "?" + v.Encode()
}
