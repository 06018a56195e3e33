import { Body, Controller, Get, Headers, HttpCode, Post, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BEARER_TOKEN } from '../common/api-security.js';
import { ApiErrorResponses } from '../common/api-error.decorator.js';
import { InvalidTokenError } from '../common/domain-errors.js';
import { RateLimited } from '../rate-limit/rate-limited.decorator.js';
import { CreateUserDto } from './dto/create-user.dto.js';
import { CreatedUserDto, UserDirectoryDto } from './dto/user-responses.dto.js';
import { bearerToken } from './user-token.js';
import { UsersService } from './users.service.js';

@ApiTags('users')
@Controller('api/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post('create')
  @HttpCode(201)
  @RateLimited('create')
  @ApiOperation({
    summary: 'Register a user under a unique name',
    description:
      'Also returns the user’s secret token, this once: keep it. With AUTH_MODE=token it is needed on /ws ' +
      '(`{"id", "token"}`) and on send (`Authorization: Bearer <token>`).',
  })
  @ApiCreatedResponse({ type: CreatedUserDto })
  @ApiErrorResponses(
    {
      400: 'the body is not a JSON object (or not JSON at all), or name is missing, not a string, or breaks the name rules',
      409: 'the name is taken (compared without regard to case) or reserved',
      429: 'this client address registered RATE_LIMIT_CREATE users already (default 3000 a minute); see Retry-After',
      503: 'the database cannot be reached; retry after the Retry-After seconds',
    },
    { body: true },
  )
  async create(@Body() { name }: CreateUserDto): Promise<CreatedUserDto> {
    const { id, token } = await this.users.create(name);
    return { id, token };
  }

  @Post('rotate-token')
  @HttpCode(200)
  @RateLimited('token')
  @ApiOperation({
    summary: 'Replace your token with a new one',
    description:
      'Send the current token as `Authorization: Bearer <token>`. The answer holds the new token, this once; ' +
      'the old one stops working at once, in every process.',
  })
  @ApiOkResponse({ type: CreatedUserDto })
  @ApiBearerAuth(BEARER_TOKEN)
  @ApiErrorResponses(
    {
      401: 'no Authorization: Bearer token, or one that is nobody’s (also the loser of two rotations at once)',
      429: 'this client address rotated RATE_LIMIT_CREATE tokens already; see Retry-After',
      503: 'the database cannot be reached; retry after the Retry-After seconds',
    },
    { body: true },
  )
  async rotateToken(@Headers('authorization') authorization?: string): Promise<CreatedUserDto> {
    const current = bearerToken(authorization);
    const rotated = current === undefined ? undefined : await this.users.rotateToken(current);
    if (!rotated) throw new InvalidTokenError(authorization !== undefined);
    return { id: rotated.id, token: rotated.token };
  }

  @Get('list')
  @ApiOperation({ summary: 'Every registered user, name to id' })
  @ApiOkResponse({ type: UserDirectoryDto })
  @ApiErrorResponses({ 503: 'the database cannot be reached; retry after the Retry-After seconds' })
  async list(): Promise<StreamableFile> {
    // The body is kept ready-encoded between requests; handing it over as-is skips JSON.stringify.
    const body = await this.users.directoryJson();
    return new StreamableFile(body, { type: 'application/json; charset=utf-8', length: body.length });
  }
}
