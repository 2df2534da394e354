import { Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { ApiRoute } from '../platform/http/openapi';
import { Public } from '../platform/http/policy';
import { LOGIN_COOKIE, readCookie } from './cookies';
import { OidcLoginService, type Redirect } from './oidc-login.service';
import { SessionsService } from './sessions.service';

function redirect(reply: FastifyReply, r: Redirect): void {
  // Nothing of a sign-in may be cached by a browser or a proxy.
  void reply
    .code(302)
    .header('cache-control', 'no-store')
    .header('set-cookie', r.cookies)
    .header('location', r.location)
    .send();
}

const queryOf = (req: FastifyRequest): string => {
  const i = req.url.indexOf('?');
  return i < 0 ? '' : req.url.slice(i + 1);
};

/** The browser side of sign-in (API.md "Sign-in and sessions"); public by design, like the docs. */
@ApiTags('sign-in')
@Controller('auth')
export class SignInController {
  constructor(
    private readonly login: OidcLoginService,
    private readonly sessions: SessionsService,
  ) {}

  @Get('login')
  @Public()
  // @Res() sends the reply itself; the code is declared for the document (and its spec).
  @HttpCode(302)
  @ApiRoute({
    summary: 'Sign in: a redirect to the identity provider, then back to `returnTo`',
    status: 302,
    public: true,
    errors: [],
  })
  @ApiQuery({
    name: 'returnTo',
    required: false,
    description: 'a path of this site (`^/(?![/\\\\])`), else `/`',
  })
  async start(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    redirect(reply, await this.login.start(new URLSearchParams(queryOf(req)).get('returnTo')));
  }

  @Get('callback')
  @Public()
  @HttpCode(302)
  @ApiRoute({
    summary: "The identity provider's return: to `returnTo` with a session, else to `/signin-error?code=`",
    description:
      'Refusal codes: `state_mismatch`, `provider_error`, `invalid_token`, `email_unverified`, `no_account`, ' +
      '`account_inactive`, `principal_disabled`, `identity_conflict`.',
    status: 302,
    public: true,
    errors: [],
  })
  async callback(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const ua = req.headers['user-agent'] ?? null;
    redirect(
      reply,
      await this.login.callback(queryOf(req), readCookie(req.headers.cookie, LOGIN_COOKIE), ua),
    );
  }

  @Post('logout')
  @Public()
  @HttpCode(204)
  @ApiRoute({
    summary: 'Sign out: the session ends and its cookies are cleared',
    status: 204,
    public: true,
    errors: [],
  })
  async logout(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const cookies = await this.sessions.logoutByCookie(req.headers);
    void reply.code(204).header('set-cookie', cookies).send();
  }
}
