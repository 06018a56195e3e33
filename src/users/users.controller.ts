import { Body, Controller, Get, HttpCode, Post, StreamableFile } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '../common/api-error.decorator.js';
import { RateLimited } from '../rate-limit/rate-limited.decorator.js';
import { CreateUserDto } from './dto/create-user.dto.js';
import { CreatedUserDto, UserDirectoryDto } from './dto/user-responses.dto.js';
import { UsersService } from './users.service.js';

@ApiTags('users')
@Controller('api/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post('create')
  @HttpCode(201)
  @RateLimited('create')
  @ApiOperation({ summary: 'Register a user under a unique name' })
  @ApiCreatedResponse({ type: CreatedUserDto })
  @ApiErrorResponses({
    400: 'the body is not a JSON object, or name is missing, not a string, or breaks the name rules',
    409: 'the name is taken (compared without regard to case) or reserved',
    413: 'the body is larger than 64 KiB',
    429: 'this client address registered RATE_LIMIT_CREATE users already; see Retry-After',
    503: 'the database cannot be reached; retry after the Retry-After seconds',
  })
  async create(@Body() { name }: CreateUserDto): Promise<CreatedUserDto> {
    const { id } = await this.users.create(name);
    return { id };
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
