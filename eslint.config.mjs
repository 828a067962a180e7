import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'outbox/', '.herald-stack/', 'stack/kafka/target/', '.tools/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // The environment is read in src/config/env.ts only (CONTRIBUTING.md, conventions).
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read the environment through src/config/env.ts.' }],
    },
  },
  { files: ['src/config/env.ts', 'scripts/**', 'test/**', 'chaos/**', 'jest.config.js'], rules: { 'no-restricted-properties': 'off' } },
  // Tests read JSON bodies and Kafka values whose shape the assertions themselves check.
  { files: ['test/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  { files: ['**/*.js', '**/*.cjs'], languageOptions: { sourceType: 'commonjs' }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
