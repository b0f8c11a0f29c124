package oauth

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/appintegration/appintegration/store"
)

// The rules of Technical User clients: User ID, roles and expiry.

// userIDPattern is the rule for a Technical User's User ID.
var userIDPattern = regexp.MustCompile(`^[A-Z0-9_]{1,20}$`)

// UserIDPattern is userIDPattern without anchors, for the HTML pattern attribute.
const UserIDPattern = `[A-Z0-9_]{1,20}`

// ExpiryBounds returns the first and last Expiry Date (days, at 00:00 UTC) a
// Technical User client created or extended at now may have, and the default.
// A client expires at the end of its Expiry Date (UTC): see ExpiresAtEndOf.
func ExpiryBounds(now time.Time) (first, last, def time.Time) {
	day := func(t time.Time) time.Time {
		t = t.UTC()
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	return day(now.Add(MinExpiry)), day(now.AddDate(20, 0, 0)), day(now.AddDate(0, 3, 0))
}

// ExpiresAtEndOf returns the instant a client with Expiry Date day stops
// working: the end of that day, UTC.
func ExpiresAtEndOf(day time.Time) time.Time {
	day = day.UTC()
	return time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
}

// ExpiryDate returns the last day (UTC) on which a client expiring at t works,
// as YYYY-MM-DD.
func ExpiryDate(t time.Time) string {
	return t.Add(-time.Nanosecond).UTC().Format(time.DateOnly)
}

// IsExpired reports whether client c is of a purpose that expires (Technical
// User) and its expiry has passed at now. Clients of other purposes never
// expire.
func IsExpired(c store.Client, now time.Time) bool {
	return ruleOf(c.Purpose).Expires && !now.Before(c.ExpiresAt)
}

// technicalUser is the user a Technical User client acts as: no password, so it
// can never sign in to the console.
func technicalUser(c store.Client, userID string, roles []string, now time.Time) (store.User, error) {
	id, err := newUserID(now)
	if err != nil {
		return store.User{}, err
	}
	return store.User{
		ID: id, UserName: userID, DisplayName: c.Name, Active: true,
		Roles: roles, ClientID: c.ID, CreatedAt: now, UpdatedAt: now,
	}, nil
}

func userIDTaken(userID string) string {
	return fmt.Sprintf("User ID %s is taken by another user. Choose another one.", userID)
}

// checkExpiry checks a Technical User client's expiry: 7 days to 20 years from now.
func checkExpiry(fields map[string]string, t, now time.Time) {
	first, last, _ := ExpiryBounds(now)
	if t.Before(now.Add(MinExpiry)) || t.After(ExpiresAtEndOf(last)) {
		fields[FieldExpiresAt] = fmt.Sprintf("Choose a date from %s to %s (7 days to 20 years from today).",
			first.Format(time.DateOnly), last.Format(time.DateOnly))
	}
}

// checkRoles resolves roles, given as values or display names, to catalog values
// in catalog order; an unknown role or none is a field error.
func checkRoles(fields map[string]string, catalog []store.Role, roles []string) []string {
	var out []string
	for _, r := range roles {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		i := slices.IndexFunc(catalog, func(c store.Role) bool {
			return c.Value == r || strings.EqualFold(c.Display, r)
		})
		if i < 0 {
			names := make([]string, len(catalog))
			for j, c := range catalog {
				names[j] = c.Display
			}
			fields[FieldRoles] = fmt.Sprintf("Role %q is not one of: %s.", truncate(r, 60), strings.Join(names, ", "))
			return nil
		}
		if !slices.Contains(out, catalog[i].Value) {
			out = append(out, catalog[i].Value)
		}
	}
	if len(out) == 0 {
		fields[FieldRoles] = "Select at least one role."
		return nil
	}
	slices.SortStableFunc(out, func(a, b string) int {
		return slices.IndexFunc(catalog, func(c store.Role) bool { return c.Value == a }) -
			slices.IndexFunc(catalog, func(c store.Role) bool { return c.Value == b })
	})
	return out
}
