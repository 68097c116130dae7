"""HTML pages of accounts: register, log in and out, password, API tokens."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import HTTPException
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from marketplace.accounts.api import checked_login
from marketplace.accounts.auth import Viewer, end_session, start_session
from marketplace.accounts.dependencies import ACCOUNT_DEPENDENCIES
from marketplace.accounts.models import User
from marketplace.accounts.service import ApiTokenService, UserService
from marketplace.accounts.throttle import LoginThrottle
from marketplace.errors import InvalidInput
from marketplace.web.forms import FormData, NextParam, safe_next, see_other, text
from marketplace.web.i18n import gettext as _
from marketplace.web.templating import render


class AccountPages(Controller):
    tags = ["pages"]
    include_in_schema = False
    dependencies = ACCOUNT_DEPENDENCIES

    @get("/register", name="register")
    async def register_form(self, viewer: Viewer, next_url: NextParam = None) -> Template:
        return render("accounts/register.html", form={}, errors={}, next_url=safe_next(next_url))

    @post("/register")
    async def register(
        self, data: FormData, users: UserService, request: Request[Any, Any, Any], viewer: Viewer
    ) -> Template | Redirect:
        next_url = safe_next(text(data, "next"))
        try:
            user = await users.register(
                email=text(data, "email"),
                password=str(data.get("password", "")),
                display_name=text(data, "display_name"),
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
        start_session(request, user)
        flash(request, _("Bienvenue, %(name)s !", name=user.display_name), category="success")
        return see_other(next_url)

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

    @get("/account", name="account")
    async def account(self, user: User, tokens: ApiTokenService, viewer: Viewer) -> Template:
        return render("accounts/account.html", tokens=await tokens.of_user(user), new_token=None, errors={})

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
            return render(
                "accounts/account.html",
                status_code=400,
                tokens=await tokens.of_user(user),
                new_token=None,
                errors=error.field_errors,
            )
        start_session(request, user)
        flash(request, _("Mot de passe modifié. Vos autres appareils sont déconnectés."), category="success")
        return see_other("/account")

    @post("/account/tokens")
    async def create_token(self, data: FormData, user: User, tokens: ApiTokenService) -> Template:
        _row, token = await tokens.issue(user, text(data, "name"))
        return render("accounts/account.html", tokens=await tokens.of_user(user), new_token=token, errors={})

    @post("/account/tokens/{token_id:uuid}/revoke")
    async def revoke_token(
        self, token_id: uuid.UUID, user: User, tokens: ApiTokenService, request: Request[Any, Any, Any]
    ) -> Redirect:
        await tokens.revoke(user, token_id)
        flash(request, _("Jeton révoqué."), category="success")
        return see_other("/account")
