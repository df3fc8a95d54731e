// ESLint (flat config): the JavaScript and typescript-eslint recommended rules over src, test,
// bench and bin. Run by `npm run lint` and by the suite (test/lint.test.ts).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config({ ignores: ['dist/', 'node_modules/', 'bpf/', 'kernel-patches/', '**/*.d.ts'] }, js.configs.recommended, ...tseslint.configs.recommended, {
  languageOptions: {
    globals: {
      process: 'readonly',
      console: 'readonly',
      Buffer: 'readonly',
      setTimeout: 'readonly',
      clearTimeout: 'readonly',
      setImmediate: 'readonly',
      setInterval: 'readonly',
      clearInterval: 'readonly',
      URL: 'readonly',
      performance: 'readonly',
      AbortController: 'readonly',
      fetch: 'readonly',
      TextDecoder: 'readonly',
      TextEncoder: 'readonly',
    },
  },
  rules: {
    // Destructuring a value away to drop it is how the code leaves out a field: `const { a: _a, ...rest }`.
    '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
  },
});
