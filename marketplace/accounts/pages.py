"""HTML pages of accounts: register and verify, log in and out, forgotten password, profile,
e-mail address, password, API tokens.

A link from an e-mail opens a page with one button: following it (a POST) is what uses it, so a
mail scanner that opens links never spends a single-use link, and no GET changes anything.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import HTTPException
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from marketplace.accounts.api import checked_login
from marketplace.accounts.auth import Viewer, end_session, start_session
from marketplace.accounts.dependencies import ACCOUNT_DEPENDENCIES, client_address, with_mails
from marketplace.accounts.models import User
from marketplace.accounts.service import ApiTokenService, UserService
from marketplace.accounts.throttle import LoginThrottle, MailThrottle
from marketplace.errors import InvalidInput
from marketplace.web.forms import FormData, NextParam, safe_next, see_other, text
from marketplace.web.i18n import gettext as _
from marketplace.web.templating import render


async def account_page(
    user: User, tokens: ApiTokenService, *, status_code: int = 200, **context: Any
) -> Template:
    values: dict[str, Any] = {"new_token": None, "errors": {}, "form": {}, "section": ""}
    values.update(context)
    return render(
        "accounts/account.html",
        status_code=status_code,
        user=user,
        tokens=await tokens.of_user(user),
        **values,
    )


class AccountPages(Controller):
    tags = ["pages"]
    include_in_schema = False
    dependencies = ACCOUNT_DEPENDENCIES

    # --- registration and verification --------------------------------------------------------

    @get("/register", name="register")
    async def register_form(self, viewer: Viewer, next_url: NextParam = None) -> Template:
        return render("accounts/register.html", form={}, errors={}, next_url=safe_next(next_url))

    @post("/register")
    async def register(
        self,
        data: FormData,
        users: UserService,
        mail_throttle: MailThrottle,
        request: Request[Any, Any, Any],
        viewer: Viewer,
    ) -> Response[Any]:
        next_url = safe_next(text(data, "next"))
        email = text(data, "email")
        try:
            await mail_throttle.count(email, client_address(request))
            mail = await users.sign_up(
                email=email, password=str(data.get("password", "")), display_name=text(data, "display_name")
            )
        except InvalidInput as error:
            return render(
                "accounts/register.html",
                status_code=400,
                form=data,
                errors=error.field_errors,
                next_url=next_url,
            )
        except HTTPException as error:
            return render(
                "accounts/register.html",
                status_code=error.status_code,
                form=data,
                errors={"email": error.detail},
                next_url=next_url,
            )
        # The same page whether the address was new or taken (its owner gets a mail instead).
        return with_mails(render("accounts/check_mail.html", email=email, reason="register"), request, mail)

    @get("/account/verify/{token:str}", name="verify-email")
    async def verify_form(self, token: str, viewer: Viewer) -> Template:
        return render("accounts/follow_link.html", action=f"/account/verify/{token}", purpose="verify")

    @post("/account/verify/{token:str}")
    async def verify(
        self, token: str, users: UserService, request: Request[Any, Any, Any], viewer: Viewer
    ) -> Template | Redirect:
        try:
            user = await users.verify_email(token)
        except InvalidInput as error:
            return render("accounts/link_invalid.html", status_code=400, message=error.message)
        flash(
            request,
            _("Adresse e-mail confirmée : vous pouvez publier et écrire aux voisins."),
            category="success",
        )
        return see_other("/account" if viewer.user_id == user.id else "/login")

    @post("/account/verification/resend")
    async def resend_verification(
        self, user: User, users: UserService, mail_throttle: MailThrottle, request: Request[Any, Any, Any]
    ) -> Response[Any]:
        try:
            await mail_throttle.count(user.email, client_address(request))
        except HTTPException as error:
            flash(request, str(error.detail), category="error")
            return see_other(
                safe_next(request.headers.get("referer", "").partition(str(request.base_url))[2])
            )
        mail = await users.resend_verification(user)
        if mail is None:
            flash(request, _("Votre adresse est déjà confirmée."), category="success")
        else:
            flash(
                request,
                _("Un nouveau lien vous a été envoyé à %(email)s.", email=user.email),
                category="success",
            )
        return with_mails(see_other("/account"), request, mail)

    # --- logging in, forgotten password --------------------------------------------------------

    @get("/login", name="login")
    async def login_form(self, viewer: Viewer, next_url: NextParam = None) -> Template:
        return render("accounts/login.html", form={}, error=None, next_url=safe_next(next_url))

    @post("/login")
    async def login(
        self,
        data: FormData,
        users: UserService,
        throttle: LoginThrottle,
        request: Request[Any, Any, Any],
        viewer: Viewer,
    ) -> Template | Redirect:
        next_url = safe_next(text(data, "next"))
        try:
            user = await checked_login(
                users, throttle, request, text(data, "email"), str(data.get("password", ""))
            )
        except HTTPException as error:
            form = {"email": text(data, "email")}
            return render(
                "accounts/login.html",
                status_code=error.status_code,
                form=form,
                error=error.detail,
                next_url=next_url,
            )
        start_session(request, user)
        return see_other(next_url)

    @post("/logout")
    async def logout(self, request: Request[Any, Any, Any]) -> Redirect:
        end_session(request)
        return see_other("/")

    @get("/password/forgot", name="password-forgot")
    async def forgot_form(self, viewer: Viewer) -> Template:
        return render("accounts/forgot.html", form={}, errors={})

    @post("/password/forgot")
    async def forgot(
        self,
        data: FormData,
        users: UserService,
        mail_throttle: MailThrottle,
        request: Request[Any, Any, Any],
        viewer: Viewer,
    ) -> Response[Any]:
        email = text(data, "email")
        if not email:
            return render(
                "accounts/forgot.html",
                status_code=400,
                form=data,
                errors={"email": _("Indiquez votre adresse e-mail.")},
            )
        try:
            await mail_throttle.count(email, client_address(request))
        except HTTPException as error:
            return render(
                "accounts/forgot.html",
                status_code=error.status_code,
                form=data,
                errors={"email": error.detail},
            )
        mail = await users.request_password_reset(email)
        # The same page whether the address has an account or not.
        return with_mails(render("accounts/check_mail.html", email=email, reason="reset"), request, mail)

    @get("/password/reset/{token:str}", name="password-reset")
    async def reset_form(self, token: str, users: UserService, viewer: Viewer) -> Template:
        try:
            await users.check_reset_link(token)
        except InvalidInput as error:
            return render("accounts/link_invalid.html", status_code=400, message=error.message)
        return render("accounts/reset.html", token=token, errors={})

    @post("/password/reset/{token:str}")
    async def reset(
        self, token: str, data: FormData, users: UserService, request: Request[Any, Any, Any], viewer: Viewer
    ) -> Response[Any]:
        try:
            _user, mail = await users.reset_password(token, str(data.get("new_password", "")))
        except InvalidInput as error:
            if error.field == "token":
                return render("accounts/link_invalid.html", status_code=400, message=error.message)
            return render("accounts/reset.html", status_code=400, token=token, errors=error.field_errors)
        # Signed out here too, into an empty session that carries the message to the login page.
        request.set_session({})
        flash(
            request,
            _(
                "Mot de passe changé. Tous vos appareils ont été déconnectés : connectez-vous avec le "
                "nouveau."
            ),
            category="success",
        )
        return with_mails(see_other("/login"), request, mail)

    # --- my account ----------------------------------------------------------------------------

    @get("/account", name="account")
    async def account(self, user: User, tokens: ApiTokenService, viewer: Viewer) -> Template:
        return await account_page(user, tokens)

    @post("/account/profile")
    async def change_profile(
        self,
        data: FormData,
        user: User,
        users: UserService,
        tokens: ApiTokenService,
        request: Request[Any, Any, Any],
    ) -> Template | Redirect:
        try:
            await users.change_display_name(user, text(data, "display_name"))
        except InvalidInput as error:
            return await account_page(user, tokens, status_code=400, errors=error.field_errors, form=data)
        flash(request, _("Nom affiché modifié."), category="success")
        return see_other("/account")

    @post("/account/email")
    async def change_email(
        self,
        data: FormData,
        user: User,
        users: UserService,
        tokens: ApiTokenService,
        mail_throttle: MailThrottle,
        request: Request[Any, Any, Any],
    ) -> Response[Any]:
        new_email = text(data, "email")
        try:
            await mail_throttle.count(new_email, client_address(request))
            mail = await users.request_email_change(user, new_email, str(data.get("password", "")))
        except InvalidInput as error:
            return await account_page(user, tokens, status_code=400, errors=error.field_errors, form=data)
        except HTTPException as error:
            return await account_page(
                user, tokens, status_code=error.status_code, errors={"email": str(error.detail)}, form=data
            )
        flash(
            request,
            _(
                "Un lien de confirmation a été envoyé à %(email)s. Votre adresse actuelle reste "
                "valable tant qu'il n'a pas été suivi.",
                email=new_email,
            ),
            category="success",
        )
        return with_mails(see_other("/account"), request, mail)

    @get("/account/email/confirm/{token:str}", name="confirm-email")
    async def confirm_email_form(self, token: str, viewer: Viewer) -> Template:
        return render("accounts/follow_link.html", action=f"/account/email/confirm/{token}", purpose="change")

    @post("/account/email/confirm/{token:str}")
    async def confirm_email(
        self, token: str, users: UserService, request: Request[Any, Any, Any], viewer: Viewer
    ) -> Response[Any]:
        try:
            user, mail = await users.confirm_email_change(token)
        except InvalidInput as error:
            return render("accounts/link_invalid.html", status_code=400, message=error.message)
        except HTTPException as error:
            return render("accounts/link_invalid.html", status_code=error.status_code, message=error.detail)
        flash(
            request,
            _("Votre nouvelle adresse est enregistrée : %(email)s.", email=user.email),
            category="success",
        )
        return with_mails(see_other("/account" if viewer.user_id == user.id else "/login"), request, mail)

    @post("/account/password")
    async def change_password(
        self,
        data: FormData,
        user: User,
        users: UserService,
        tokens: ApiTokenService,
        request: Request[Any, Any, Any],
    ) -> Template | Redirect:
        try:
            await users.change_password(
                user, str(data.get("current_password", "")), str(data.get("new_password", ""))
            )
        except InvalidInput as error:
            return await account_page(user, tokens, status_code=400, errors=error.field_errors)
        start_session(request, user)
        flash(request, _("Mot de passe modifié. Vos autres appareils sont déconnectés."), category="success")
        return see_other("/account")

    @post("/account/tokens")
    async def create_token(self, data: FormData, user: User, tokens: ApiTokenService) -> Template:
        _row, token = await tokens.issue(user, text(data, "name"))
        return await account_page(user, tokens, new_token=token)

    @post("/account/tokens/{token_id:uuid}/revoke")
    async def revoke_token(
        self, token_id: uuid.UUID, user: User, tokens: ApiTokenService, request: Request[Any, Any, Any]
    ) -> Redirect:
        await tokens.revoke(user, token_id)
        flash(request, _("Jeton révoqué."), category="success")
        return see_other("/account")
