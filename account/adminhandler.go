package account

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/admin"
	"github.com/sessionkit/sessionkit/store"
)

// CodeUserNotFound is Better Auth's code for an admin endpoint's unknown
// userId.
const CodeUserNotFound = "USER_NOT_FOUND"

// adminError is one of Better Auth's admin plugin's errors.
type adminError struct{ code, message string }

var (
	errNotAllowedBan     = adminError{"YOU_ARE_NOT_ALLOWED_TO_BAN_USERS", "You are not allowed to ban users"}
	errNotAllowedRole    = adminError{"YOU_ARE_NOT_ALLOWED_TO_CHANGE_USERS_ROLE", "You are not allowed to change users role"}
	errNotAllowedList    = adminError{"YOU_ARE_NOT_ALLOWED_TO_LIST_USERS_SESSIONS", "You are not allowed to list users sessions"}
	errNotAllowedRevoke  = adminError{"YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS", "You are not allowed to revoke users sessions"}
	errCannotBanYourself = adminError{"YOU_CANNOT_BAN_YOURSELF", "You cannot ban yourself"}
)

// adminRoutes adds Better Auth's admin plugin's session endpoints when
// Config.Admin is set.
func (h *apiHandler) adminRoutes(adm *admin.Admin) {
	if adm == nil {
		return
	}
	e := adminEndpoints{h: h, adm: adm}
	for path, serve := range map[string]func(http.ResponseWriter, *http.Request){
		"/admin/ban-user":             e.banUser,
		"/admin/unban-user":           e.unbanUser,
		"/admin/set-role":             e.setRole,
		"/admin/list-user-sessions":   e.listUserSessions,
		"/admin/revoke-user-session":  e.revokeUserSession,
		"/admin/revoke-user-sessions": e.revokeUserSessions,
	} {
		h.routes[path] = route{http.MethodPost, serve}
	}
}

type adminEndpoints struct {
	h   *apiHandler
	adm *admin.Admin
}

// caller reads the caller's session from the store (Better Auth's
// getAuthoritativeSessionFromCtx: never a cache cookie, so a role taken
// away or a revoked admin session counts at once) and checks the admin
// role, answering 401, 403 with refusal, or 503 when it fails.
func (e adminEndpoints) caller(w http.ResponseWriter, r *http.Request, refusal adminError) (*sessionkit.Session, bool) {
	l, ok := e.h.session(w, r, sessionkit.LookupOptions{DisableCookieCache: true})
	if !ok {
		return nil, false
	}
	l.WriteCookies(w.Header())
	if !e.adm.IsAdmin(l.Found) {
		sessionkit.WriteError(w, http.StatusForbidden, refusal.code, refusal.message)
		return nil, false
	}
	return l.Found, true
}

// userUpdate runs one of the user endpoints: the body's userId (plus
// what more reads), the admin check, the user's existence (404
// USER_NOT_FOUND), then update; it answers {"user":…}.
func (e adminEndpoints) userUpdate(w http.ResponseWriter, r *http.Request, refusal adminError,
	more func(*validator, map[string]json.RawMessage), update func(caller *sessionkit.Session, userID string) (store.User, *adminError, error)) {
	b, ok := readBody(w, r, true)
	if !ok {
		return
	}
	var v validator
	userID, _ := v.str(b, "userId", true)
	if more != nil {
		more(&v, b)
	}
	if v.fail(w) {
		return
	}
	s, ok := e.caller(w, r, refusal)
	if !ok {
		return
	}
	_, err := e.h.m.Store().UserByID(r.Context(), userID)
	if errors.Is(err, store.ErrNotFound) {
		sessionkit.WriteError(w, http.StatusNotFound, CodeUserNotFound, "User not found")
		return
	}
	if err != nil {
		e.h.unavailable(w, r, "admin: read user", err)
		return
	}
	u, bad, err := update(s, userID)
	switch {
	case bad != nil:
		sessionkit.WriteError(w, http.StatusBadRequest, bad.code, bad.message)
	case err != nil:
		e.h.unavailable(w, r, "admin: "+r.URL.Path, err)
	default:
		writeJSON(w, http.StatusOK, struct {
			User store.User `json:"user"`
		}{u})
	}
}

func (e adminEndpoints) banUser(w http.ResponseWriter, r *http.Request) {
	var reason string
	var expiresIn time.Duration
	e.userUpdate(w, r, errNotAllowedBan, func(v *validator, b map[string]json.RawMessage) {
		reason, _ = v.str(b, "banReason", false)
		expiresIn = v.seconds(b, "banExpiresIn")
	}, func(s *sessionkit.Session, userID string) (store.User, *adminError, error) {
		if userID == s.User.ID {
			return store.User{}, &errCannotBanYourself, nil
		}
		u, err := e.adm.Ban(r.Context(), userID, reason, expiresIn)
		return u, nil, err
	})
}

func (e adminEndpoints) unbanUser(w http.ResponseWriter, r *http.Request) {
	e.userUpdate(w, r, errNotAllowedBan, nil, func(_ *sessionkit.Session, userID string) (store.User, *adminError, error) {
		u, err := e.adm.Unban(r.Context(), userID)
		return u, nil, err
	})
}

func (e adminEndpoints) setRole(w http.ResponseWriter, r *http.Request) {
	var roles []string
	e.userUpdate(w, r, errNotAllowedRole, func(v *validator, b map[string]json.RawMessage) {
		roles = v.roles(b, "role")
	}, func(_ *sessionkit.Session, userID string) (store.User, *adminError, error) {
		u, err := e.adm.SetRole(r.Context(), userID, roles...)
		if errors.Is(err, store.ErrInvalid) {
			return u, &adminError{CodeValidation, "[body.role] Invalid input: a role is empty or has a comma"}, nil
		}
		return u, nil, err
	})
}

// sessionsCall is the shape of the session endpoints: one string member,
// the admin check, then call.
func (e adminEndpoints) sessionsCall(w http.ResponseWriter, r *http.Request, key string, refusal adminError, call func(string) (any, error)) {
	b, ok := readBody(w, r, true)
	if !ok {
		return
	}
	var v validator
	arg, _ := v.str(b, key, true)
	if v.fail(w) {
		return
	}
	if _, ok := e.caller(w, r, refusal); !ok {
		return
	}
	out, err := call(arg)
	if err != nil {
		e.h.unavailable(w, r, "admin: "+r.URL.Path, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (e adminEndpoints) listUserSessions(w http.ResponseWriter, r *http.Request) {
	e.sessionsCall(w, r, "userId", errNotAllowedList, func(userID string) (any, error) {
		list, err := e.adm.ListUserSessions(r.Context(), userID)
		if list == nil {
			list = []store.Session{}
		}
		return struct {
			Sessions []store.Session `json:"sessions"`
		}{list}, err
	})
}

type success struct {
	Success bool `json:"success"`
}

func (e adminEndpoints) revokeUserSession(w http.ResponseWriter, r *http.Request) {
	e.sessionsCall(w, r, "sessionToken", errNotAllowedRevoke, func(token string) (any, error) {
		return success{true}, e.adm.RevokeUserSession(r.Context(), token)
	})
}

func (e adminEndpoints) revokeUserSessions(w http.ResponseWriter, r *http.Request) {
	e.sessionsCall(w, r, "userId", errNotAllowedRevoke, func(userID string) (any, error) {
		return success{true}, e.adm.RevokeUserSessions(r.Context(), userID)
	})
}

// roles reads Better Auth's set-role member: a string or an array of
// strings.
func (v *validator) roles(b map[string]json.RawMessage, key string) []string {
	raw, present := b[key]
	var one string
	var many []string
	switch {
	case present && jsonType(raw) == "string" && json.Unmarshal(raw, &one) == nil:
		return []string{one}
	case present && jsonType(raw) == "array" && json.Unmarshal(raw, &many) == nil:
		return many
	}
	v.wrongType(key, "string | array", raw)
	return nil
}

// maxBanSeconds bounds banExpiresIn to what a time.Duration holds.
const maxBanSeconds = 100 * 365 * 24 * 3600

// seconds reads an optional non-negative number of seconds (at most a
// century), 0 when absent.
func (v *validator) seconds(b map[string]json.RawMessage, key string) time.Duration {
	raw, present := b[key]
	if !present {
		return 0
	}
	var f float64
	if jsonType(raw) != "number" || json.Unmarshal(raw, &f) != nil || f < 0 || f > maxBanSeconds {
		v.wrongType(key, "number", raw)
		return 0
	}
	return time.Duration(f * float64(time.Second))
}
