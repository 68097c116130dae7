"""JSON API of accounts under /api/v1/auth."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.exceptions import NotAuthorizedException
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from marketplace.accounts.auth import end_session, start_session
from marketplace.accounts.dependencies import ACCOUNT_DEPENDENCIES, client_address, with_mails
from marketplace.accounts.models import User
from marketplace.accounts.schemas import (
    Accepted,
    Credentials,
    EmailChange,
    NewTokenOut,
    PasswordChange,
    ProfileInput,
    RegisterInput,
    TokenInput,
    TokenOut,
    UserOut,
)
from marketplace.accounts.service import ApiTokenService, UserService
from marketplace.accounts.throttle import LoginThrottle, MailThrottle
from marketplace.web.i18n import gettext as _
from marketplace.web.openapi import errors


def login_refused() -> NotAuthorizedException:
    # One message and one status whether the email exists or not.
    return NotAuthorizedException(detail=_("E-mail ou mot de passe incorrect."))


async def checked_login(
    users: UserService, throttle: LoginThrottle, request: Request[Any, Any, Any], email: str, password: str
) -> User:
    """The user these credentials belong to, counting failures per account and per client."""
    client = client_address(request)
    await throttle.check(email, client)
    user = await users.authenticate(email, password)
    if user is None:
        await throttle.record_failure(email, client)
        raise login_refused()
    await throttle.record_success(email)
    return user


class AuthApi(Controller):
    path = "/api/v1/auth"
    tags = ["accounts"]
    dependencies = ACCOUNT_DEPENDENCIES

    @post(
        "/register", operation_id="register", responses=errors(400, 403, 429), status_code=HTTP_202_ACCEPTED
    )
    async def register(
        self,
        data: RegisterInput,
        users: UserService,
        mail_throttle: MailThrottle,
        request: Request[Any, Any, Any],
    ) -> Response[Accepted]:
        """The same answer whether the address is new (a verification link is mailed, valid 48 h)
        or already has an account (its owner is told that somebody tried)."""
        await mail_throttle.count(data.email, client_address(request))
        mail = await users.sign_up(email=data.email, password=data.password, display_name=data.display_name)
        return with_mails(
            Response(Accepted(detail=_("Vérifiez votre boîte mail.")), status_code=HTTP_202_ACCEPTED),
            request,
            mail,
        )

    @post(
        "/verification",
        operation_id="resendVerification",
        responses=errors(400, 401, 403, 429),
        status_code=HTTP_202_ACCEPTED,
    )
    async def resend_verification(
        self, user: User, users: UserService, mail_throttle: MailThrottle, request: Request[Any, Any, Any]
    ) -> Response[Accepted]:
        await mail_throttle.count(user.email, client_address(request))
        mail = await users.resend_verification(user)
        return with_mails(
            Response(Accepted(detail=_("Vérifiez votre boîte mail.")), status_code=HTTP_202_ACCEPTED),
            request,
            mail,
        )

    @patch("/me", operation_id="changeProfile", responses=errors(400, 401, 403))
    async def change_profile(self, data: ProfileInput, user: User, users: UserService) -> UserOut:
        user = await users.change_display_name(user, data.display_name)
        return msgspec.convert(user, UserOut, from_attributes=True)

    @post(
        "/email",
        operation_id="changeEmail",
        responses=errors(400, 401, 403, 429),
        status_code=HTTP_202_ACCEPTED,
    )
    async def change_email(
        self,
        data: EmailChange,
        user: User,
        users: UserService,
        mail_throttle: MailThrottle,
        request: Request[Any, Any, Any],
    ) -> Response[Accepted]:
        """A confirmation link goes to the new address; it replaces the old one once followed."""
        await mail_throttle.count(data.email, client_address(request))
        mail = await users.request_email_change(user, data.email, data.password)
        return with_mails(
            Response(Accepted(detail=_("Vérifiez votre boîte mail.")), status_code=HTTP_202_ACCEPTED),
            request,
            mail,
        )

    @post("/login", operation_id="login", responses=errors(400, 401, 403, 429), status_code=HTTP_200_OK)
    async def login(
        self, data: Credentials, users: UserService, throttle: LoginThrottle, request: Request[Any, Any, Any]
    ) -> UserOut:
        user = await checked_login(users, throttle, request, data.email, data.password)
        start_session(request, user)
        return msgspec.convert(user, UserOut, from_attributes=True)

    @post("/logout", operation_id="logout", responses=errors(400, 401, 403), status_code=HTTP_204_NO_CONTENT)
    async def logout(self, request: Request[Any, Any, Any]) -> None:
        end_session(request)

    @get("/me", operation_id="me", responses=errors(400, 401))
    async def me(self, user: User) -> UserOut:
        return msgspec.convert(user, UserOut, from_attributes=True)

    @post(
        "/password",
        operation_id="changePassword",
        responses=errors(400, 401, 403),
        status_code=HTTP_204_NO_CONTENT,
    )
    async def change_password(
        self, data: PasswordChange, user: User, users: UserService, request: Request[Any, Any, Any]
    ) -> None:
        await users.change_password(user, data.current_password, data.new_password)
        if "session" in request.scope and request.session:
            start_session(request, user)  # this device stays signed in, the others are signed out

    @post(
        "/tokens",
        operation_id="createToken",
        responses=errors(400, 401, 403, 429),
        status_code=HTTP_201_CREATED,
    )
    async def create_token(
        self,
        data: TokenInput,
        users: UserService,
        tokens: ApiTokenService,
        throttle: LoginThrottle,
        request: Request[Any, Any, Any],
    ) -> NewTokenOut:
        user = await checked_login(users, throttle, request, data.email, data.password)
        row, token = await tokens.issue(user, data.name)
        return NewTokenOut(id=row.id, token=token, name=row.name)

    @get("/tokens", operation_id="listTokens", responses=errors(400, 401))
    async def list_tokens(self, user: User, tokens: ApiTokenService) -> list[TokenOut]:
        return msgspec.convert(await tokens.of_user(user), list[TokenOut], from_attributes=True)

    @delete(
        "/tokens/{token_id:uuid}",
        operation_id="revokeToken",
        responses=errors(400, 401, 403, 404),
        status_code=HTTP_204_NO_CONTENT,
    )
    async def revoke_token(self, token_id: uuid.UUID, user: User, tokens: ApiTokenService) -> None:
        await tokens.revoke(user, token_id)
