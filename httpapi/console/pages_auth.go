package console

import (
	"errors"
	"net/http"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/httpapi/problem"

	"github.com/go-chi/chi/v5"
)

func chiParam(r *http.Request, name string) string { return chi.URLParam(r, name) }

// publicRoutes: pages for people not (necessarily) signed in.
func (c *Console) publicRoutes(r chi.Router) {
	r.Get("/app/signin", c.signinPage)
	r.Post("/app/signin", c.signin)
	r.Get("/app/signup", c.signupPage)
	r.Post("/app/signup", c.signupPost)
	r.Get("/app/register", c.registerPage)
	r.Post("/app/register", c.registerPost)
	r.Post("/app/signout", c.signout)
	r.Get("/app/password-reset", c.resetRequestPage)
	r.Post("/app/password-reset", c.resetRequest)
	r.Get("/app/password-reset/{token}", c.resetPage)
	r.Post("/app/password-reset/{token}", c.resetPost)
	r.Get("/app/invitations/{token}", c.invitationPage)
	r.Post("/app/invitations/{token}", c.invitationPost)
}

func (c *Console) signinPage(w http.ResponseWriter, r *http.Request) {
	p := c.newPage(r, "Sign in", "signin")
	p.Data = nextPath(r.URL.Query().Get("next"))
	c.render(w, r, http.StatusOK, "signin", p)
}

func (c *Console) signin(w http.ResponseWriter, r *http.Request) {
	token, err := c.b.SignIn(r, r.PostForm.Get("email"), r.PostForm.Get("password"))
	if err != nil {
		p := c.newPage(r, "Sign in", "signin")
		p.Data = nextPath(r.PostForm.Get("next"))
		c.formError(w, r, err, p, "signin", "signin")
		return
	}
	c.startSession(w, token)
	http.Redirect(w, r, nextPath(r.PostForm.Get("next")), http.StatusSeeOther)
}

func (c *Console) signupPage(w http.ResponseWriter, r *http.Request) {
	if !c.signup {
		c.fail(w, r, http.StatusForbidden, "Signup is closed on this installation. Ask an administrator for an invitation.")
		return
	}
	c.render(w, r, http.StatusOK, "signup", c.newPage(r, "Create your company", "signup"))
}

func (c *Console) signupPost(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	token, res, err := c.b.SignUp(r, SignUp{CompanyName: f.Get("company_name"), Name: f.Get("name"), Email: f.Get("email"), Password: f.Get("password")})
	if err != nil {
		c.formError(w, r, err, c.newPage(r, "Create your company", "signup"), "signup", "signup")
		return
	}
	c.startSession(w, token)
	c.done(w, r, res.LastPosition, "/app/customers", "")
}

func (c *Console) registerPage(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "register", c.newPage(r, "Register with a group code", "register"))
}

func (c *Console) registerPost(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	token, res, err := c.b.Register(r, Register{GroupCode: f.Get("group_code"), CompanyName: f.Get("company_name"),
		Name: f.Get("name"), Email: f.Get("email"), Password: f.Get("password")})
	if err != nil {
		c.formError(w, r, err, c.newPage(r, "Register with a group code", "register"), "register", "register")
		return
	}
	c.startSession(w, token)
	c.done(w, r, res.LastPosition, "/app/portal", "")
}

func (c *Console) signout(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	if st.signedIn() {
		if err := c.b.SignOut(r.Context(), st.principal.SessionID); err != nil {
			c.failErr(w, r, err)
			return
		}
	}
	c.endSession(w)
	http.Redirect(w, r, "/app/signin?done=signed-out", http.StatusSeeOther)
}

func (c *Console) resetRequestPage(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "reset-request", c.newPage(r, "Forgot your password?", "signin"))
}

func (c *Console) resetRequest(w http.ResponseWriter, r *http.Request) {
	if err := c.b.RequestPasswordReset(r, r.PostForm.Get("email")); err != nil {
		c.formError(w, r, err, c.newPage(r, "Forgot your password?", "signin"), "reset", "reset-request")
		return
	}
	http.Redirect(w, r, "/app/signin?done=reset-sent", http.StatusSeeOther)
}

func (c *Console) resetPage(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "reset", c.newPage(r, "Choose a new password", "signin"))
}

func (c *Console) resetPost(w http.ResponseWriter, r *http.Request) {
	if r.PostForm.Get("password") != r.PostForm.Get("password_again") {
		p := c.newPage(r, "Choose a new password", "signin")
		p.Form = &form{Name: "reset", Values: r.PostForm, Errors: map[string]string{"password_again": "The two passwords differ."}}
		c.render(w, r, http.StatusBadRequest, "reset", p)
		return
	}
	if err := c.b.ResetPassword(r, chiParam(r, "token"), r.PostForm.Get("password")); err != nil {
		c.formError(w, r, unknownLink(err), c.newPage(r, "Choose a new password", "signin"), "reset", "reset")
		return
	}
	c.endSession(w)
	http.Redirect(w, r, "/app/signin?done=password-set", http.StatusSeeOther)
}

func (c *Console) invitationPage(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "invitation", c.newPage(r, "Accept your invitation", "signin"))
}

func (c *Console) invitationPost(w http.ResponseWriter, r *http.Request) {
	token, res, err := c.b.AcceptInvitation(r, chiParam(r, "token"), r.PostForm.Get("name"), r.PostForm.Get("password"))
	if err != nil {
		c.formError(w, r, unknownLink(err), c.newPage(r, "Accept your invitation", "signin"), "invitation", "invitation")
		return
	}
	c.startSession(w, token)
	c.done(w, r, res.LastPosition, "/app/", "")
}

// unknownLink words an unknown token of a mailed link (invitation, reset) for
// the page that shows its form, instead of the 404 page.
func unknownLink(err error) error {
	if errors.Is(err, domain.ErrNotFound) {
		return problem.New(http.StatusGone, "link_unknown", "this link is not valid (mistyped, or replaced by a newer one): ask for a new one")
	}
	return err
}
