// Package storetest is the conformance suite every store.Store backend passes.
//
// A backend's tests call Run with a function that opens a new, empty store
// (holding only the role catalog). The suite tests only the contract of
// store.Store, so that every backend behaves the same:
//
//   - Lookups, updates and deletes of missing records return errors wrapping
//     store.ErrNotFound; writes breaking a uniqueness rule, errors wrapping
//     store.ErrConflict.
//   - Times keep at least microsecond precision (digits below a microsecond may
//     be truncated or rounded), keep their instant and come back in UTC. The
//     zero time comes back as a zero time.
//   - An empty list (Access, Emails, Roles, Scopes, Certificates) or byte slice
//     may come back as nil or empty.
//   - Update functions run inside one transaction: an error from fn is returned
//     as is and nothing is written; the ID and CreatedAt of the stored record are
//     kept whatever fn returns; concurrent updates all land.
//   - A user has Version 1 when created and one more after every update,
//     whatever the caller passes.
//   - Lists come in a defined order: clients and identity providers oldest
//     (by CreatedAt) first, users by userName compared case-insensitively,
//     audit events newest (last appended) first.
//   - Authorization codes and refresh tokens are single use, also under
//     concurrent use; PruneExpired removes exactly what expired before now.
//
// Test data is ASCII only, so that backends whose case folding differs for
// other letters all pass.
package storetest

import (
	"testing"

	"github.com/appintegration/appintegration/store"
)

// Run runs the conformance suite against the backend that open opens. open is
// called once per subtest and returns a new, empty store; it arranges (with
// t.Cleanup) for the store to be closed. Failures are reported through t.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"ClientCreateGet", testClientCreateGet},
		{"ClientEmptyFields", testClientEmptyFields},
		{"ClientList", testClientList},
		{"ClientUpdate", testClientUpdate},
		{"ClientUpdateFnError", testClientUpdateFnError},
		{"ClientNotFound", testClientNotFound},
		{"ClientConflict", testClientConflict},
		{"ClientDelete", testClientDelete},
		{"ClientConcurrentUpdate", testClientConcurrentUpdate},
		{"CreateClientWithUser", testCreateClientWithUser},
		{"CreateClientWithUserConflict", testCreateClientWithUserConflict},
		{"DeleteClientDeletesUser", testDeleteClientDeletesUser},
		{"UpdateClientWithUser", testUpdateClientWithUser},
		{"TimePrecision", testTimePrecision},
		{"ClientSecrets", testClientSecrets},
		{"RecordSecretUse", testRecordSecretUse},
		{"PruneClientSecrets", testPruneClientSecrets},

		{"ListRoles", testListRoles},

		{"UserCreateGet", testUserCreateGet},
		{"UserEmptyFields", testUserEmptyFields},
		{"UserList", testUserList},
		{"UserUpdate", testUserUpdate},
		{"UserUpdateFnError", testUserUpdateFnError},
		{"UserUpdateUnchanged", testUserUpdateUnchanged},
		{"UserConcurrentUpdate", testUserConcurrentUpdate},
		{"UserNotFound", testUserNotFound},
		{"UserConflict", testUserConflict},
		{"CreateUsers", testCreateUsers},
		{"UserDelete", testUserDelete},
		{"GetUserByIdpUserID", testGetUserByIdpUserID},
		{"GetUserByEmail", testGetUserByEmail},
		{"CreateUserIfNoneHasRole", testCreateUserIfNoneHasRole},
		{"CreateUserIfNoneHasRoleInactive", testCreateUserIfNoneHasRoleInactive},
		{"CreateUserIfNoneHasRoleConcurrent", testCreateUserIfNoneHasRoleConcurrent},

		{"SigningKeyRoundTrip", testSigningKeyRoundTrip},
		{"SigningKeyUpdateFnError", testSigningKeyUpdateFnError},
		{"SigningKeyNotFound", testSigningKeyNotFound},
		{"SigningKeyConflict", testSigningKeyConflict},
		{"SigningKeyIfNoneCurrent", testSigningKeyIfNoneCurrent},
		{"SearchUsers", testSearchUsers},
		{"QueryUsersFilters", testQueryUsersFilters},
		{"QueryUsersSortAndPage", testQueryUsersSortAndPage},
		{"QueryUsersBadQuery", testQueryUsersBadQuery},
		{"QueryUsersTotal", testQueryUsersTotal},
		{"UserManager", testUserManager},
		{"InTransaction", testInTransaction},
		{"SearchClients", testSearchClients},

		{"Revocation", testRevocation},
		{"AuthCodeUse", testAuthCodeUse},
		{"AuthCodeUseConcurrent", testAuthCodeUseConcurrent},
		{"RefreshTokenUse", testRefreshTokenUse},
		{"RefreshTokenUseConcurrent", testRefreshTokenUseConcurrent},
		{"UseAssertionID", testUseAssertionID},
		{"PruneExpired", testPruneExpired},

		{"IdentityProviderCreateGet", testIdentityProviderCreateGet},
		{"IdentityProviderEmptyFields", testIdentityProviderEmptyFields},
		{"IdentityProviderList", testIdentityProviderList},
		{"IdentityProviderUpdate", testIdentityProviderUpdate},
		{"IdentityProviderUpdateFnError", testIdentityProviderUpdateFnError},
		{"IdentityProviderNotFound", testIdentityProviderNotFound},
		{"IdentityProviderConflict", testIdentityProviderConflict},
		{"IdentityProviderDelete", testIdentityProviderDelete},

		{"Secret", testSecret},
		{"SecretGenError", testSecretGenError},
		{"SecretConcurrent", testSecretConcurrent},
		{"SecretUpdate", testSecretUpdate},

		{"AuditOrder", testAuditOrder},
		{"AuditFilter", testAuditFilter},
		{"AuditLimit", testAuditLimit},
		{"AuditLimitCap", testAuditLimitCap},

		{"Session", testSession},
		{"DeleteUserSessions", testDeleteUserSessions},
		{"SAMLRequestUse", testSAMLRequestUse},
		{"SAMLRequestUseConcurrent", testSAMLRequestUseConcurrent},
		{"SSOConfig", testSSOConfig},
		{"PruneSessions", testPruneSessions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, open(t))
		})
	}
}
