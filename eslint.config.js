import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'dist-check/', 'node_modules/', 'coverage/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly',
        clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly',
        URL: 'readonly', URLSearchParams: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly',
        fetch: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', globalThis: 'readonly',
        queueMicrotask: 'readonly', performance: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      // Node's own globals are reached through globalThis so a patched global is never used by us by accident.
      'no-restricted-properties': 'off',
    },
  },
  {
    // The admin UI's browser script: plain JS, served as is.
    files: ['src/ui/assets/*.js'],
    languageOptions: {
      globals: {
        window: 'readonly', document: 'readonly', navigator: 'readonly', EventSource: 'readonly', CSS: 'readonly',
        URL: 'readonly', setTimeout: 'readonly', setInterval: 'readonly',
      },
    },
  },
)
