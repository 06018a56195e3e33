import { BadRequestException, type NestApplicationOptions, ValidationPipe } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { DomainErrorFilter } from './common/domain-error.filter.js';
import { CohoraWsAdapter } from './common/ws.adapter.js';
import { AppConfig } from './config/app-config.js';

/** Options both main.ts and the e2e tests create the app with. */
export const appOptions: NestApplicationOptions = {
  // configureApp installs the JSON parser itself, with the 64 KiB limit that answers 413.
  bodyParser: false,
  bufferLogs: true,
  abortOnError: false,
};

/** Everything that makes the app cohora beyond its modules; main.ts and the tests share it. */
export function configureApp(app: NestExpressApplication): void {
  const config = app.get(AppConfig);
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  // Bodies are read as JSON whatever their Content-Type says: `curl -d` sends a form type.
  app.useBodyParser('json', { limit: config.http.bodyLimitBytes, type: () => true });
  app.useWebSocketAdapter(new CohoraWsAdapter(app));
  app.useGlobalFilters(new DomainErrorFilter());
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidUnknownValues: true,
      stopAtFirstError: true,
      exceptionFactory: (errors) =>
        new BadRequestException(
          errors.length === 0
            ? 'The request body must be a JSON object'
            : errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; '),
        ),
    }),
  );
  const openApi = new DocumentBuilder()
    .setTitle('cohora')
    .setDescription('Register a name, see who is there, and send messages that arrive in real time over /ws.')
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, openApi));
}
