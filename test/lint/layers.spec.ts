import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { layers } from '../../eslint/layers.mjs';

const root = resolve(import.meta.dirname, '../..');

/**
 * Lints `source` as if it were the file at `path` (nothing is written), with the repository's
 * layer rule alone: the errors `npm run lint` would report for it.
 */
async function layerErrors(path: string, source: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: root,
    overrideConfigFile: true,
    overrideConfig: [{ ...layers, languageOptions: { parser: tseslint.parser } }],
  });
  const [result] = await eslint.lintText(source, { filePath: resolve(root, path) });
  return result.messages.map((message) => `${message.ruleId}: ${message.message}`);
}

describe('the layer rule (eslint/layers.mjs)', () => {
  it('fails a port that imports an adapter', async () => {
    const errors = await layerErrors(
      'src/ports/violating.store.ts',
      "import { SqliteDatabase } from '../storage/sqlite/sqlite-database.js';\nexport const db = SqliteDatabase;\n",
    );
    expect(errors).toEqual([expect.stringMatching(/^boundaries\/dependencies: .*"adapter".*"port"/)]);
  });

  it('fails an adapter that imports a feature', async () => {
    const errors = await layerErrors(
      'src/bus/violating.bus.ts',
      "import { MessagesGateway } from '../messages/messages.gateway.js';\nexport const gateway = MessagesGateway;\n",
    );
    expect(errors).toEqual([expect.stringMatching(/^boundaries\/dependencies: .*"feature".*"adapter"/)]);
  });

  it('fails a feature that imports storage or the bus instead of a port', async () => {
    const errors = await layerErrors(
      'src/messages/violating.service.ts',
      "import { StorageEngine } from '../storage/storage-engine.js';\nimport { LocalMessageBus } from '../bus/local-message.bus.js';\nexport const both = [StorageEngine, LocalMessageBus];\n",
    );
    expect(errors).toHaveLength(2);
    for (const error of errors) expect(error).toMatch(/^boundaries\/dependencies: .*"adapter".*"feature"/);
  });

  it('fails the SDK importing server code, the composition root included', async () => {
    const errors = await layerErrors(
      'src/client/violating-client.ts',
      "import { AppConfig } from '../config/app-config.js';\nimport { appOptions } from '../app.setup.js';\nexport const both = [AppConfig, appOptions];\n",
    );
    expect(errors).toHaveLength(2);
    for (const error of errors) expect(error).toMatch(/^boundaries\/dependencies: .*"sdk"/);
  });

  it('lets features use ports and the SDK use the shared protocol', async () => {
    expect(
      await layerErrors(
        'src/messages/fine.service.ts',
        "import { MessageStore } from '../ports/message.store.js';\nexport const store = MessageStore;\n",
      ),
    ).toEqual([]);
    expect(
      await layerErrors(
        'src/client/fine-client.ts',
        "import { CloseCode } from '../protocol/close-codes.js';\nexport const code = CloseCode.Normal;\n",
      ),
    ).toEqual([]);
  });

  it('gives every folder of src/ a layer, so that a new one cannot slip in as the composition root', () => {
    const elements = layers.settings?.['boundaries/elements'] as Array<{ type: string; pattern: string }>;
    const classified = new Set(elements.filter(({ type }) => type !== 'root').map(({ pattern }) => pattern));
    const folders = readdirSync(resolve(root, 'src'), { withFileTypes: true }).filter((entry) => entry.isDirectory());
    expect(folders.map(({ name }) => `src/${name}`).filter((folder) => !classified.has(folder))).toEqual([]);
  });
});
