import { AUTH_METHODS, credentialFieldsFor, secretTypeOf, type SecretType } from './provider-catalogue.ts';

/** A provider whose credentials have conventional env var names. */
export interface SecretPreset {
  /** Stable id, also the default `serviceSlug` of secrets made from it. */
  slug: string;
  label: string;
  /** Env var names, in the order the provider documents them. */
  envVars: string[];
  /** The storage type whose credentials these are; null for plain API keys (ENV secrets). */
  secretType: SecretType | null;
}

const API_KEY_PRESETS: SecretPreset[] = [
  { slug: 'openai', label: 'OpenAI', envVars: ['OPENAI_API_KEY'], secretType: null },
  { slug: 'anthropic', label: 'Anthropic', envVars: ['ANTHROPIC_API_KEY'], secretType: null },
  { slug: 'github', label: 'GitHub', envVars: ['GITHUB_TOKEN'], secretType: null },
  { slug: 'gitlab', label: 'GitLab', envVars: ['GITLAB_TOKEN'], secretType: null },
  { slug: 'huggingface', label: 'Hugging Face', envVars: ['HF_TOKEN'], secretType: null },
  { slug: 'slack', label: 'Slack', envVars: ['SLACK_BOT_TOKEN'], secretType: null },
  { slug: 'stripe', label: 'Stripe', envVars: ['STRIPE_API_KEY'], secretType: null },
];

/** One preset per storage auth method, derived from the credential table so the names never drift. */
const STORAGE_PRESETS: SecretPreset[] = AUTH_METHODS.filter((method) => method !== 'ENV_VARS').map((method) => ({
  slug: method.toLowerCase().replaceAll('_', '-'),
  label: method,
  envVars: credentialFieldsFor(method).map((field) => field.envVar),
  secretType: secretTypeOf(method),
}));

/** Every preset: API-key providers first, then the storage auth methods. */
export const SECRET_PRESETS: readonly SecretPreset[] = [...API_KEY_PRESETS, ...STORAGE_PRESETS];

export function findPreset(slug: string): SecretPreset | undefined {
  return SECRET_PRESETS.find((preset) => preset.slug === slug);
}
