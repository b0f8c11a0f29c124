package oauth

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/appintegration/appintegration/store"
)

// Actor is who changes users, for the rules and the audit log. Only the
// Service makes Actors, after checking that their holder may provision users
// (ProvisioningActor), so that no adapter can write a user for a caller who
// may not: the user methods refuse the zero Actor. An Actor is good for the
// one request it was made for; the next request gets a new one, which checks
// again (docs/contract.md, "Users": roles count at the time of each call).
type Actor struct {
	name string // what the audit log names: a client ID
	via  string // how the change came, written in the audit detail: "SCIM"
}

// Name is who the audit log names for the actor's changes.
func (a Actor) Name() string { return a.name }

// Through returns the actor with via as the channel its changes are audited
// under, such as "SCIM PUT"; it changes nothing of what the actor may do.
func (a Actor) Through(via string) Actor {
	a.via = via
	return a
}

var errNoActor = errors.New("oauth: users are changed only by an Actor the Service made")

// DeniedError is returned by ProvisioningActor for a valid token that may not
// provision users. Reason is safe to show to the caller.
type DeniedError struct {
	Reason string
}

func (e *DeniedError) Error() string { return "oauth: user provisioning denied: " + e.Reason }

// AsDeniedError returns err as a *DeniedError, or nil.
func AsDeniedError(err error) *DeniedError {
	var e *DeniedError
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// ProvisioningActor checks an access token and that it may provision users
// now, and returns the Actor its changes are made as: the token's client,
// audited as coming through via. The token needs the user_provisioning scope;
// one in a user's name is only as good as that user's roles now: a SAML2.0
// bearer token needs a user who holds DW Administrator, any other user token
// a user whose roles grant user_provisioning (docs/contract.md, "Users"). It
// returns ErrInactiveToken (wrapped) for a token that is not valid, a
// *DeniedError for one that may not provision users, or an internal error.
func (s *Service) ProvisioningActor(ctx context.Context, accessToken, via string) (Actor, error) {
	claims, err := s.VerifyAccessToken(ctx, accessToken)
	if err != nil {
		return Actor{}, err
	}
	if !slices.Contains(claims.Scopes(), store.AccessUserProvisioning) {
		return Actor{}, &DeniedError{"The access token lacks the user_provisioning scope: use a client with User Provisioning access."}
	}
	actor := Actor{name: claims.ClientID, via: via}
	if claims.UserName == "" {
		return actor, nil // an API Access client's own token: its Access decides
	}
	u, err := s.store.GetUser(ctx, claims.Subject)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Actor{}, fmt.Errorf("oauth: provisioning actor: %w", err)
	}
	if claims.GrantType == GrantTypeSAML2Bearer {
		if err != nil || !IsAdministrator(u) {
			return Actor{}, &DeniedError{"User provisioning with a SAML2.0 bearer token needs a user with the DW Administrator role."}
		}
		return actor, nil
	}
	if err != nil {
		return Actor{}, &DeniedError{"The user this token names no longer exists."}
	}
	scopes, err := s.userScopes(ctx, u)
	if err != nil {
		return Actor{}, err
	}
	if !slices.Contains(scopes, store.AccessUserProvisioning) {
		return Actor{}, &DeniedError{"The user this token names no longer holds a role that grants user_provisioning."}
	}
	return actor, nil
}
