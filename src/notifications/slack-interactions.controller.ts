import { Controller, Headers, HttpCode, Post, Req } from '@nestjs/common';
import { type RawBodyRequest } from '../platform/http/configure-app';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../platform/http/policy';
import { type SlackReply, SlackInteractionsService } from './slack-interactions.service';

// Slack posts here with its own signature, not a bearer token (API.md "Who may call what": signed).
@ApiExcludeController()
@Controller('integrations/slack')
export class SlackInteractionsController {
  constructor(private readonly service: SlackInteractionsService) {}

  @Post('interactions')
  @Public()
  @HttpCode(200)
  async receive(
    @Req() req: RawBodyRequest,
    @Headers('x-slack-request-timestamp') timestamp: string | undefined,
    @Headers('x-slack-signature') signature: string | undefined,
  ): Promise<SlackReply> {
    // A modal's field errors go back in the body (Slack keeps the modal open); otherwise 200, empty.
    return this.service.handle(req.rawBodyText ?? '', timestamp, signature);
  }
}
