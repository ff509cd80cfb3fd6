/**
 * The two GitHub REST calls the rollback workflow makes, bounded and fail-closed:
 *   github.ts require-reviewers <environment>   fails unless the environment exists with required reviewers
 *   github.ts open-pr --head <branch> --title <t> --body <b>   proposes the rolled-back stack file to main
 * GitHub creates an environment a workflow names if it does not exist — with no protection at all — so
 * the approval is checked before the job that uses it is queued (research §5e/§5f).
 * Environment: GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_TOKEN (actions: read; pull-requests: write for open-pr).
 */
import { parseArgs } from "util";
import { HttpCallError, requestOk } from "../lib/http";
import { redact } from "../lib/redact";

const TIMEOUT_MS = 30_000;

interface Api {
  readonly base: string;
  readonly headers: Record<string, string>;
}

export function githubApi(env: NodeJS.ProcessEnv): Api {
  if (!env.GITHUB_REPOSITORY || !env.GITHUB_TOKEN)
    throw new Error("GITHUB_REPOSITORY and GITHUB_TOKEN must be set (a workflow step: GITHUB_TOKEN: ${{ github.token }})");
  return {
    base: `${env.GITHUB_API_URL || "https://api.github.com"}/repos/${env.GITHUB_REPOSITORY}`,
    headers: { authorization: `Bearer ${env.GITHUB_TOKEN}`, accept: "application/vnd.github+json" },
  };
}

interface ProtectionRule {
  readonly type?: string;
  readonly reviewers?: { type?: string; reviewer?: { login?: string; name?: string; slug?: string } }[];
}

/** The environment's required reviewers (logins or team slugs); throws, naming the fix, when there are none. */
export async function requireReviewers(api: Api, environment: string): Promise<string[]> {
  const fix = `add required reviewers to it in Settings → Environments → ${environment} (docs/pipelines.md, "Approval")`;
  let body: string;
  try {
    body = (
      await requestOk(`GET environment ${environment}`, `${api.base}/environments/${encodeURIComponent(environment)}`, {
        headers: api.headers,
        timeoutMs: TIMEOUT_MS,
      })
    ).body;
  } catch (err) {
    if (err instanceof HttpCallError && err.status === 404)
      throw new Error(
        `environment ${environment} does not exist: a job naming it would create it without protection, so nobody would approve the rollback; create it and ${fix}`,
      );
    throw err;
  }
  const rules: ProtectionRule[] = JSON.parse(body).protection_rules ?? [];
  const reviewers = rules
    .filter((r) => r.type === "required_reviewers")
    .flatMap((r) => r.reviewers ?? [])
    .map((r) => r.reviewer?.login ?? r.reviewer?.slug ?? r.reviewer?.name ?? "?");
  if (reviewers.length === 0)
    throw new Error(`environment ${environment} has no required reviewers: the rollback would run unapproved; ${fix}`);
  return reviewers;
}

/** Opens a pull request from `head` into main; returns its URL. */
export async function openPullRequest(api: Api, pr: { head: string; title: string; body: string }): Promise<string> {
  const res = await requestOk(`POST pulls ${pr.head}`, `${api.base}/pulls`, {
    method: "POST",
    json: { ...pr, base: "main" },
    headers: api.headers,
    timeoutMs: TIMEOUT_MS,
  });
  return String(JSON.parse(res.body).html_url);
}

export async function main(argv: string[], env: NodeJS.ProcessEnv, print: (line: string) => void): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { head: { type: "string" }, title: { type: "string" }, body: { type: "string" } },
  });
  const api = githubApi(env);
  if (positionals[0] === "require-reviewers" && positionals[1]) {
    print(`environment ${positionals[1]}: approved by any of ${(await requireReviewers(api, positionals[1])).join(", ")}`);
  } else if (positionals[0] === "open-pr" && values.head && values.title) {
    print(`pull request: ${await openPullRequest(api, { head: values.head, title: values.title, body: values.body ?? "" })}`);
  } else {
    throw new Error("usage: github.ts require-reviewers <environment> | open-pr --head <branch> --title <title> [--body <text>]");
  }
}

if (require.main === module) {
  main(process.argv.slice(2), process.env, (line) => process.stdout.write(`${line}\n`)).catch((err) => {
    process.stderr.write(`github: ${redact((err as Error).message, [process.env.GITHUB_TOKEN])}\n`);
    process.exit(1);
  });
}
