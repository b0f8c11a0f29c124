package oauth

import "time"

// CheckClientInput returns every rule in breaks that can be checked without
// the store, as field name → message; none when it is valid. The Expiry Date
// is checked against the wall clock. CreateClient and ValidateClientInput also
// check the role catalog and that the User ID is free.
func CheckClientInput(in ClientInput) map[string]string {
	now := time.Now().UTC()
	return checkClientInput(normaliseClientInput(in, now), now)
}

// SetSessionClock replaces the wall clock that sessions are judged by.
func SetSessionClock(s *Service, now func() time.Time) { s.wall = now }
