package views

// TabUsers is the Users tab of System › Administration.
const TabUsers = "users"

// UsersPage is System › Administration › Users: the users provisioning
// clients created, read-only, with a server-side search and paging.
type UsersPage struct {
	Shell
	Pager
	Users []UserRow
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
