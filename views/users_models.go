package views

// TabUsers is the Users tab of System › Administration.
const TabUsers = "users"

// pathUsers is the Users page; package web registers the route.
const pathUsers = "/admin/users"

// FieldUserSearch is the query parameter of the Users search.
const FieldUserSearch = "q"

// UsersPage is System › Administration › Users: the users provisioning
// clients created, read-only, with a server-side search and paging.
type UsersPage struct {
	Shell
	Query string // the search text, echoed into the field; "" for none
	Users []UserRow
	// Total is how many users match the search (all users without one);
	// AllUsers is how many there are in total.
	Total, AllUsers int
	// From and To are the 1-based positions of the first and last row shown.
	From, To int
	Page     int // 1-based
	Pages    int
	// PrevURL and NextURL lead to the neighbouring pages; "" when there is
	// none, in which case no link is rendered.
	PrevURL, NextURL string
}

// UserRow is one line of the users table.
type UserRow struct {
	ID       string
	UserName string
	Name     string // "Given Family", or the display name when both are empty
	Email    string // the primary address, else the first; "" when none
	Roles    []string
	Active   bool
	// Technical marks the user of a Technical User client.
	Technical bool
}
