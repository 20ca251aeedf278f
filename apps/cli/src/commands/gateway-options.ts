import { InvalidArgumentError, type Command } from 'commander';

/** Flags of every command that talks to the gateway. */
export interface GatewayCommandFlags {
  url?: string;
  key?: string;
}

/** Flags of commands that wait for a job. */
export interface WaitFlags {
  /** Seconds between two polls. */
  interval: number;
  /** Seconds to keep retrying while the gateway does not answer. */
  retry: number;
}

/** Flags of commands that write the result workbook. */
export interface OutFlags {
  out?: string;
  force?: boolean;
}

function seconds(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`give a number of seconds from ${min} to ${max}.`);
    return n;
  };
}

export function addGatewayOptions(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'gateway base URL (default: $GEOBATCH_URL, else http://127.0.0.1:3000)')
    .option('--key <key>', 'API key, sent as "Authorization: Bearer <key>" (default: $GEOBATCH_API_KEY, else the key `npm run stack` wrote to .geobatch/dev-api-key)');
}

export function addWaitOptions(cmd: Command): Command {
  return cmd
    .option('--interval <seconds>', 'seconds between two status polls', seconds(0.01, 3600), 1)
    .option('--retry <seconds>', 'how long to keep retrying while the gateway does not answer', seconds(0, 86_400), 60);
}

export function addOutOptions(cmd: Command): Command {
  return cmd
    .option('--out <path>', "where to write the workbook: a file, or an existing directory for the server's name (default: the server's name in the current directory, with (1), (2)… added when taken)")
    .option('--force', 'overwrite --out when it exists');
}
