// The AWS SDK for JavaScript v3 on a login that recro.aws_sso wrote (tests/interop/test_clients.py).
//
//   node sdk.mjs identity PROFILE   fromSSO credentials, then STS GetCallerIdentity: prints the identity
//   node sdk.mjs chain              the same through fromNodeProviderChain (AWS_PROFILE)
//   node sdk.mjs token PROFILE      the session's token through fromSso (refreshed when it expires soon)
//
// Endpoints, config file and HOME come from the environment (AWS_ENDPOINT_URL_*, AWS_CONFIG_FILE, HOME).
// Prints one line of JSON; exits 1 with the error's name and message on failure.
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromNodeProviderChain, fromSSO } from "@aws-sdk/credential-providers";
import { fromSso } from "@aws-sdk/token-providers";
import { readFileSync } from "node:fs";

const require = (name) => JSON.parse(readFileSync(new URL(`./node_modules/${name}/package.json`, import.meta.url)));

async function identity(credentials) {
  const client = new STSClient({ region: "us-east-1", credentials });
  const answer = await client.send(new GetCallerIdentityCommand({}));
  return { Account: answer.Account, Arn: answer.Arn, UserId: answer.UserId };
}

const [mode, profile] = process.argv.slice(2);
try {
  let result;
  if (mode === "identity") {
    result = await identity(fromSSO({ profile }));
  } else if (mode === "chain") {
    result = await identity(fromNodeProviderChain());
  } else if (mode === "token") {
    const token = await fromSso({ profile })();
    result = { expiration: token.expiration.toISOString() };
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  result.sdkVersion = require("@aws-sdk/client-sts").version;
  console.log(JSON.stringify(result));
} catch (error) {
  console.error(`${error.name}: ${error.message}`);
  process.exit(1);
}
