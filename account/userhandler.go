package account

import (
	"errors"
	"net/http"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/freshness"
	"github.com/sessionkit/sessionkit/store"
)

// Codes of the account-change endpoints, Better Auth's.
const (
	CodeInvalidPassword           = "INVALID_PASSWORD"
	CodeCredentialAccountNotFound = "CREDENTIAL_ACCOUNT_NOT_FOUND"
	CodeSessionExpired            = "SESSION_EXPIRED"
	CodeEmailCanNotBeUpdated      = "EMAIL_CAN_NOT_BE_UPDATED"
	CodeInvalidToken              = "INVALID_TOKEN"
)

// updateUser is Better Auth's update-user: name and image of the signed-in
// user; {status: true} with the cookie cache re-written.
func (h *apiHandler) updateUser(w http.ResponseWriter, r *http.Request) {
	b, ok := readBody(w, r, true)
	if !ok {
		return
	}
	l, ok := h.session(w, r, sessionkit.LookupOptions{})
	if !ok {
		return
	}
	var v validator
	var up UserUpdate
	if raw, ok := b["email"]; ok && string(raw) != "null" && string(raw) != "false" && string(raw) != `""` && string(raw) != "0" {
		sessionkit.WriteError(w, http.StatusBadRequest, CodeEmailCanNotBeUpdated, "Email can not be updated")
		return
	}
	if s, ok := v.str(b, "name", false); ok {
		up.Name = &s
	}
	if raw, ok := b["image"]; ok {
		if string(raw) == "null" {
			empty := ""
			up.Image = &empty
		} else if s, ok := v.str(b, "image", false); ok {
			up.Image = &s
		}
	}
	if v.fail(w) {
		return
	}
	var bad *InputError
	fields, err := fieldInput(h.m.Fields().User, withoutKeys(b, "name", "image", "email"), false)
	if errors.As(err, &bad) {
		sessionkit.WriteError(w, http.StatusBadRequest, bad.Code, bad.Message)
		return
	}
	if len(fields) > 0 {
		up.Fields = fields
	}
	_, err = h.a.UpdateUser(r.Context(), l.Found.User.ID, up)
	switch {
	case errors.Is(err, ErrNoFields):
		// Better Auth's body here has no code.
		writeJSON(w, http.StatusBadRequest, struct {
			Message string `json:"message"`
		}{"No fields to update"})
		return
	case errors.As(err, &bad):
		sessionkit.WriteError(w, http.StatusBadRequest, bad.Code, bad.Message)
		return
	case err != nil:
		h.unavailable(w, r, "update user", err)
		return
	}
	// Better Auth re-sets the session cookies with the new user: a store
	// read re-writes the cache cookie.
	l2, err := h.m.LookupHeader(r.Context(), r.Header, sessionkit.LookupOptions{DisableCookieCache: true})
	if err == nil {
		l2.WriteCookies(w.Header())
	} else {
		l.WriteCookies(w.Header())
	}
	writeStatusTrue(w)
}

// changePassword is Better Auth's change-password.
func (h *apiHandler) changePassword(w http.ResponseWriter, r *http.Request) {
	b, ok := readBody(w, r, true)
	if !ok {
		return
	}
	var v validator
	newPW, _ := v.str(b, "newPassword", true)
	curPW, _ := v.str(b, "currentPassword", true)
	revoke := v.boolean(b, "revokeOtherSessions")
	if v.fail(w) {
		return
	}
	l, ok := h.session(w, r, sessionkit.LookupOptions{DisableCookieCache: true})
	if !ok {
		return
	}
	uid := l.Found.User.ID
	hash, err := h.a.verifyUserPassword(r.Context(), uid, curPW, newPW)
	if !h.passwordError(w, r, "change password", err) {
		return
	}
	if revoke != nil && *revoke {
		// As Better Auth: every session ends, this one too, before the
		// password changes; a new one is issued. If the store fails here
		// the old password still works.
		if err := h.m.RevokeAllSessions(r.Context(), uid); err != nil {
			h.unavailable(w, r, "change password", err)
			return
		}
	}
	if err := h.a.storePassword(r.Context(), uid, hash); err != nil {
		h.unavailable(w, r, "change password", err)
		return
	}
	var token *string
	if revoke != nil && *revoke {
		sess, err := h.m.SignIn(w, r, uid, sessionkit.SignInOptions{})
		if err != nil {
			h.unavailable(w, r, "change password", err)
			return
		}
		token = &sess.Session.Token
	} else {
		l.WriteCookies(w.Header())
	}
	writeJSON(w, http.StatusOK, struct {
		Token *string    `json:"token"`
		User  store.User `json:"user"`
	}{token, l.Found.User})
}

// passwordError answers the errors of a password check and reports
// whether err was nil.
func (h *apiHandler) passwordError(w http.ResponseWriter, r *http.Request, op string, err error) bool {
	var bad *InputError
	switch {
	case err == nil:
		return true
	case errors.As(err, &bad):
		sessionkit.WriteError(w, http.StatusBadRequest, bad.Code, bad.Message)
	case errors.Is(err, ErrNoPassword), errors.Is(err, ErrNoCredentials):
		sessionkit.WriteError(w, http.StatusBadRequest, CodeCredentialAccountNotFound, "Credential account not found")
	case errors.Is(err, ErrInvalidPassword):
		sessionkit.WriteError(w, http.StatusBadRequest, CodeInvalidPassword, "Invalid password")
	default:
		h.unavailable(w, r, op, err)
	}
	return false
}

// deleteUser is Better Auth's delete-user, without its e-mailed
// confirmation: with a password, or with a fresh session.
func (h *apiHandler) deleteUser(w http.ResponseWriter, r *http.Request) {
	b, ok := readBody(w, r, false)
	if !ok {
		return
	}
	var v validator
	v.str(b, "callbackURL", false)
	pw, hasPW := v.str(b, "password", false)
	token, _ := v.str(b, "token", false)
	if v.fail(w) {
		return
	}
	l, ok := h.session(w, r, sessionkit.LookupOptions{DisableCookieCache: true})
	if !ok {
		return
	}
	if !h.a.deleteEnabled {
		// Better Auth's answer when user.deleteUser.enabled is off.
		sessionkit.WriteError(w, http.StatusNotFound, CodeNotFound, "Not Found")
		return
	}
	uid := l.Found.User.ID
	hasPW = hasPW && pw != ""
	if hasPW {
		if utf16Len(pw) > MaxPasswordLength {
			sessionkit.WriteError(w, http.StatusBadRequest, CodePasswordTooLong, "Password too long")
			return
		}
		if !h.passwordError(w, r, "delete user", h.a.checkUserPassword(r.Context(), uid, pw)) {
			return
		}
	}
	if token != "" {
		// Tokens come from the e-mailed confirmation, which sessionkit
		// does not send: none is valid.
		sessionkit.WriteError(w, http.StatusNotFound, CodeInvalidToken, "Invalid token")
		return
	}
	if !hasPW && !freshness.IsFresh(l.Found.Session, h.m.Now(), h.m.FreshAge()) {
		sessionkit.WriteError(w, http.StatusBadRequest, CodeSessionExpired, "Session expired. Re-authenticate to perform this action.")
		return
	}
	// Fail closed: the cookies are cleared only once the user is gone.
	if err := h.a.DeleteUser(r.Context(), uid); err != nil {
		h.unavailable(w, r, "delete user", err)
		return
	}
	h.m.ClearCookies(w, r)
	writeJSON(w, http.StatusOK, struct {
		Success bool   `json:"success"`
		Message string `json:"message"`
	}{true, "User deleted"})
}
