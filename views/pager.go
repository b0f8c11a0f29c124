package views

import "strconv"

// Pager is where a paged, searchable table stands: which rows are shown, of
// how many, and the links to the neighbouring pages.
type Pager struct {
	Query string // the search text; "" for none
	// Total is how many rows match the search (all rows without one); All is
	// how many there are in total.
	Total, All int
	// From and To are the 1-based positions of the first and last row shown.
	From, To int
	Page     int // 1-based
	Pages    int
	// PrevURL and NextURL lead to the neighbouring pages; "" when there is
	// none, in which case no link is rendered.
	PrevURL, NextURL string
}

// clientsSearchFrom is how many clients there must be before the Configured
// Clients table offers a search field.
const clientsSearchFrom = 10

// countNoun returns "1 user", "2 users", or with matching set "1 matching
// user", "2 matching users".
func countNoun(n int, noun string, matching bool) string {
	s := strconv.Itoa(n)
	if matching {
		s += " matching"
	}
	s += " " + noun
	if n != 1 {
		s += "s"
	}
	return s
}
