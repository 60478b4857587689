// A test-only Solana JSON-RPC server over litesvm (the Solana runtime in-process, with the real SPL Token,
// Associated Token Account, System and Memo programs). Listens on 127.0.0.1 only.
//
//   node rpc.mjs [port]      prints `listening http://127.0.0.1:<port>` once ready (port 0 or none: a free one)
//
// Methods (params and results in the shapes of https://solana.com/docs/rpc/http):
//   getLatestBlockhash, getSlot, getBalance, getAccountInfo (base64), getTokenAccountBalance,
//   simulateTransaction, sendTransaction, getSignatureStatuses, getTransaction (encoding "json", "jsonParsed" or "base64"),
//   and, test-only:
//   pay402_setup        [{decimals, sol: {wallet: lamports}, tokens: {wallet: amount}}] → a new SPL mint (Token
//                       program) whose mint authority the server holds; `sol` airdropped; each `tokens` wallet gets
//                       its associated token account with `amount` minted → {mint, tokenProgram, decimals, accounts}
//   pay402_deferExecution [true|false]  while true, sendTransaction runs its preflight, queues the transaction
//                       and returns its signature without executing it (a transaction not landed yet: its status
//                       is null, simulating it again still passes); false executes the queue in order.
//   pay402_stats        [] → how many simulateTransaction and sendTransaction calls the server has answered.
// Every transaction is executed at send time and is then final: its status is "finalized" and getTransaction
// answers at any commitment. jsonParsed instructions are parsed for the System `transfer`, SPL Token `transfer`
// and `transferChecked` and the Memo program; every other instruction is written as a real validator writes
// an unparsed one ({programId, accounts, data (base58), stackHeight}).
import http from "node:http";
import { LiteSVM } from "litesvm";
import {
  address,
  appendTransactionMessageInstructions,
  createTransactionMessage,
  generateKeyPairSigner,
  getBase58Decoder,
  getBase58Encoder,
  getBase64Decoder,
  getBase64Encoder,
  getBase64EncodedWireTransaction,
  getCompiledTransactionMessageDecoder,
  getTransactionDecoder,
  lamports,
  pipe,
  setTransactionMessageFeePayerSigner,
  signTransactionMessageWithSigners,
} from "@solana/kit";
import {
  ASSOCIATED_TOKEN_PROGRAM_ADDRESS,
  TOKEN_PROGRAM_ADDRESS,
  findAssociatedTokenPda,
  getCreateAssociatedTokenIdempotentInstruction,
  getInitializeMint2Instruction,
  getMintSize,
  getMintToInstruction,
} from "@solana-program/token";
import { getCreateAccountInstruction } from "@solana-program/system";

const SYSTEM = "11111111111111111111111111111111";
const MEMO = "MemoSq4gqABAXKb96qnH8TurkDrhbyxtfqLJJkHjsHk";
const TX_FIELDLESS = "AccountInUse AccountLoadedTwice AccountNotFound ProgramAccountNotFound InsufficientFundsForFee InvalidAccountForFee AlreadyProcessed BlockhashNotFound CallChainTooDeep MissingSignatureForFee InvalidAccountIndex SignatureFailure InvalidProgramForExecution SanitizeFailure ClusterMaintenance AccountBorrowOutstanding WouldExceedMaxBlockCostLimit UnsupportedVersion InvalidWritableAccount WouldExceedMaxAccountCostLimit WouldExceedAccountDataBlockLimit TooManyAccountLocks AddressLookupTableNotFound InvalidAddressLookupTableOwner InvalidAddressLookupTableData InvalidAddressLookupTableIndex InvalidRentPayingAccount WouldExceedMaxVoteCostLimit WouldExceedAccountDataTotalLimit MaxLoadedAccountsDataSizeExceeded ResanitizationNeeded InvalidLoadedAccountsDataSizeLimit UnbalancedTransaction ProgramCacheHitMaxLimit CommitCancelled".split(" ");
const IX_FIELDLESS = "GenericError InvalidArgument InvalidInstructionData InvalidAccountData AccountDataTooSmall InsufficientFunds IncorrectProgramId MissingRequiredSignature AccountAlreadyInitialized UninitializedAccount UnbalancedInstruction ModifiedProgramId ExternalAccountLamportSpend ExternalAccountDataModified ReadonlyLamportChange ReadonlyDataModified DuplicateAccountIndex ExecutableModified RentEpochModified NotEnoughAccountKeys AccountDataSizeChanged AccountNotExecutable AccountBorrowFailed AccountBorrowOutstanding DuplicateAccountOutOfSync InvalidError ExecutableDataModified ExecutableLamportChange ExecutableAccountNotRentExempt UnsupportedProgramId CallDepth MissingAccount ReentrancyNotAllowed MaxSeedLengthExceeded InvalidSeeds InvalidRealloc ComputationalBudgetExceeded PrivilegeEscalation ProgramEnvironmentSetupFailure ProgramFailedToComplete ProgramFailedToCompile Immutable IncorrectAuthority AccountNotRentExempt InvalidAccountOwner ArithmeticOverflow UnsupportedSysvar IllegalOwner MaxAccountsDataAllocationsExceeded MaxAccountsExceeded MaxInstructionTraceLengthExceeded BuiltinProgramsMustConsumeComputeUnits BorshIoError".split(" ");

const svm = new LiteSVM();
const b58 = getBase58Decoder(); // bytes → base58 text
const b58enc = getBase58Encoder(); // base58 text → bytes
const b64dec = getBase64Decoder(); // bytes → base64 text
const b64enc = getBase64Encoder(); // base64 text → bytes
const txDecoder = getTransactionDecoder();
const msgDecoder = getCompiledTransactionMessageDecoder();
let slot = 1n;
const deferred = []; // [tx, message, wire] sent while pay402_deferExecution is on
let defer = false;
const calls = { simulateTransaction: 0, sendTransaction: 0 }; // for pay402_stats
const history = new Map(); // base58 signature → {slot, blockTime, wire, message, err, meta}

class RpcError extends Error {
  constructor(code, message, data) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

function context() {
  return { apiVersion: "2.3.0", slot: Number(slot) };
}

// The error of a failed transaction as the RPC writes it (serde JSON of TransactionError).
function errJson(e) {
  if (e === null || e === undefined) return null;
  if (typeof e === "number") return TX_FIELDLESS[e] ?? `Unknown(${e})`;
  if ("index" in e && typeof e.err === "function") {
    const inner = e.err();
    let ix;
    if (typeof inner === "number") ix = IX_FIELDLESS[inner] ?? `Unknown(${inner})`;
    else if (inner && "code" in inner) ix = { Custom: inner.code };
    else ix = { BorshIoError: String(inner) };
    return { InstructionError: [e.index, ix] };
  }
  if ("accountIndex" in e) return { InsufficientFundsForRent: { account_index: e.accountIndex } };
  return { Unknown: e.toString() };
}

function u64le(bytes, at) {
  return new DataView(bytes.buffer, bytes.byteOffset + at, 8).getBigUint64(0, true);
}

function uiAmountString(amount, decimals) {
  const s = amount.toString().padStart(decimals + 1, "0");
  const whole = s.slice(0, s.length - decimals);
  const frac = s.slice(s.length - decimals).replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : whole;
}

function tokenAmount(amount, decimals) {
  const ui = uiAmountString(amount, decimals);
  return { amount: amount.toString(), decimals, uiAmount: Number(ui), uiAmountString: ui };
}

// One instruction in jsonParsed form: `programId`, then `parsed`+`program` when the program is one we parse,
// else `accounts` + `data` (base58); `stackHeight` as the validator reports it (null at top level in the
// documented examples).
function parseInstruction(keys, programIndex, accountIdx, data, stackHeight) {
  const programId = keys[programIndex];
  const acc = Array.from(accountIdx, (i) => keys[i]);
  const raw = { accounts: acc, data: b58.decode(data), programId, stackHeight };
  if (programId === SYSTEM && data.length === 12 && new DataView(data.buffer, data.byteOffset).getUint32(0, true) === 2) {
    const info = { destination: acc[1], lamports: Number(u64le(data, 4)), source: acc[0] };
    return { parsed: { info, type: "transfer" }, program: "system", programId, stackHeight };
  }
  if (programId === TOKEN_PROGRAM_ADDRESS && data.length === 9 && data[0] === 3 && acc.length >= 3) {
    const info = { amount: u64le(data, 1).toString(), authority: acc[2], destination: acc[1], source: acc[0] };
    return { parsed: { info, type: "transfer" }, program: "spl-token", programId, stackHeight };
  }
  if (programId === TOKEN_PROGRAM_ADDRESS && data.length === 10 && data[0] === 12 && acc.length >= 4) {
    const info = {
      authority: acc[3],
      destination: acc[2],
      mint: acc[1],
      source: acc[0],
      tokenAmount: tokenAmount(u64le(data, 1), data[9]),
    };
    return { parsed: { info, type: "transferChecked" }, program: "spl-token", programId, stackHeight };
  }
  if (programId === MEMO) {
    return { parsed: new TextDecoder().decode(data), program: "spl-memo", programId, stackHeight };
  }
  return raw;
}

function accountKeys(message) {
  const { numSignerAccounts: s, numReadonlySignerAccounts: rs, numReadonlyNonSignerAccounts: ru } = message.header;
  const n = message.staticAccounts.length;
  return message.staticAccounts.map((pubkey, i) => ({
    pubkey,
    signer: i < s,
    source: "transaction",
    writable: i < s ? i < s - rs : i < n - ru,
  }));
}

function tokenBalances(keys) {
  const out = [];
  keys.forEach((key, accountIndex) => {
    const acc = svm.getAccount(address(key));
    if (!acc.exists || acc.programAddress !== TOKEN_PROGRAM_ADDRESS || acc.data.length !== 165) return;
    const mint = b58.decode(acc.data.slice(0, 32));
    const owner = b58.decode(acc.data.slice(32, 64));
    const mintAcc = svm.getAccount(address(mint));
    const decimals = mintAcc.exists ? mintAcc.data[44] : 0;
    out.push({ accountIndex, mint, owner, programId: TOKEN_PROGRAM_ADDRESS, uiTokenAmount: tokenAmount(u64le(acc.data, 64), decimals) });
  });
  return out;
}

function balances(keys) {
  return keys.map((k) => Number(svm.getBalance(address(k)) ?? 0n));
}

function decodeWire(b64) {
  let tx;
  try {
    tx = txDecoder.decode(b64enc.encode(b64));
  } catch (e) {
    throw new RpcError(-32602, `invalid transaction: failed to deserialize VersionedTransaction: ${e.message}`);
  }
  return { tx, message: msgDecoder.decode(tx.messageBytes) };
}

function firstSignature(tx) {
  const sig = Object.values(tx.signatures)[0];
  return sig ? b58.decode(sig) : "1111111111111111111111111111111111111111111111111111111111111111";
}

function simulate(tx) {
  const r = svm.simulateTransaction(tx);
  if (typeof r.err === "function") {
    const meta = r.meta();
    return { err: errJson(r.err()), logs: meta.logs(), unitsConsumed: Number(meta.computeUnitsConsumed()) };
  }
  const meta = r.meta();
  return { err: null, logs: meta.logs(), unitsConsumed: Number(meta.computeUnitsConsumed()) };
}

// Executes a transaction; records it with everything getTransaction answers. Returns the base58 signature.
function execute(tx, message, wire) {
  const keys = message.staticAccounts;
  const preBalances = balances(keys);
  const preTokenBalances = tokenBalances(keys);
  const r = svm.sendTransaction(tx);
  const failed = typeof r.err === "function";
  const meta = failed ? r.meta() : r;
  const err = failed ? errJson(r.err()) : null;
  const signature = firstSignature(tx);
  if (failed && (err === "AlreadyProcessed" || err === "BlockhashNotFound" || err === "SignatureFailure")) {
    // not executed at all: a validator would not record it either
    throw new RpcError(-32002, `Transaction simulation failed: ${JSON.stringify(err)}`, { err, logs: [] });
  }
  const postBalances = balances(keys);
  const inner = meta.innerInstructions().map((group, index) => ({
    index,
    instructions: group.map((ii) => {
      const ci = ii.instruction();
      return parseInstruction(keys, ci.programIdIndex(), ci.accounts(), ci.data(), ii.stackHeight());
    }),
  })).filter((g) => g.instructions.length > 0);
  slot += 1n;
  history.set(signature, {
    slot,
    blockTime: Math.floor(Date.now() / 1000),
    wire,
    tx,
    message,
    err,
    inner,
    logs: meta.logs(),
    unitsConsumed: Number(meta.computeUnitsConsumed()),
    preBalances,
    postBalances,
    preTokenBalances,
    postTokenBalances: tokenBalances(keys),
    fee: feeOf(tx, message),
  });
  svm.warpToSlot(slot);
  return signature;
}

// The base fee: 5000 lamports per signature, plus the priority fee (micro-lamports × compute unit limit).
function feeOf(tx, message) {
  let fee = 5000n * BigInt(Object.keys(tx.signatures).length);
  const keys = message.staticAccounts;
  let limit = 200000n * BigInt(message.instructions.length);
  let price = 0n;
  for (const ix of message.instructions) {
    if (keys[ix.programAddressIndex] !== "ComputeBudget111111111111111111111111111111" || !ix.data) continue;
    const d = ix.data;
    if (d[0] === 2 && d.length === 5) limit = BigInt(new DataView(d.buffer, d.byteOffset + 1, 4).getUint32(0, true));
    if (d[0] === 3 && d.length === 9) price = u64le(d, 1);
  }
  return Number(fee + (price * limit + 999999n) / 1000000n);
}

function transactionResult(rec, encoding) {
  const keys = rec.message.staticAccounts;
  const version = rec.message.version === "legacy" ? "legacy" : rec.message.version;
  const meta = {
    computeUnitsConsumed: rec.unitsConsumed,
    err: rec.err,
    fee: rec.fee,
    innerInstructions: rec.inner,
    logMessages: rec.logs,
    postBalances: rec.postBalances,
    postTokenBalances: rec.postTokenBalances,
    preBalances: rec.preBalances,
    preTokenBalances: rec.preTokenBalances,
    rewards: [],
    status: rec.err === null ? { Ok: null } : { Err: rec.err },
  };
  if (version !== "legacy") meta.loadedAddresses = { readonly: [], writable: [] };
  const signatures = Object.values(rec.tx.signatures).map((s) => (s ? b58.decode(s) : "1".repeat(64)));
  if (encoding === "base64") {
    return { blockTime: rec.blockTime, meta, slot: Number(rec.slot), transaction: [rec.wire, "base64"], version };
  }
  if (encoding !== "jsonParsed") {
    const { numSignerAccounts, numReadonlySignerAccounts, numReadonlyNonSignerAccounts } = rec.message.header;
    const message = {
      accountKeys: [...keys],
      header: {
        numReadonlySignedAccounts: numReadonlySignerAccounts,
        numReadonlyUnsignedAccounts: numReadonlyNonSignerAccounts,
        numRequiredSignatures: numSignerAccounts,
      },
      instructions: rec.message.instructions.map((ix) => ({
        accounts: Array.from(ix.accountIndices ?? []),
        data: b58.decode(ix.data ?? new Uint8Array()),
        programIdIndex: ix.programAddressIndex,
        stackHeight: null,
      })),
      recentBlockhash: rec.message.lifetimeToken,
    };
    if (version !== "legacy") message.addressTableLookups = [];
    return { blockTime: rec.blockTime, meta, slot: Number(rec.slot), transaction: { message, signatures }, version };
  }
  const message = {
    accountKeys: accountKeys(rec.message),
    instructions: rec.message.instructions.map((ix) =>
      parseInstruction(keys, ix.programAddressIndex, ix.accountIndices ?? [], ix.data ?? new Uint8Array(), null),
    ),
    recentBlockhash: rec.message.lifetimeToken,
  };
  if (version !== "legacy") message.addressTableLookups = [];
  return { blockTime: rec.blockTime, meta, slot: Number(rec.slot), transaction: { message, signatures }, version };
}

async function sendSigned(instructions, feePayer) {
  const msg = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayerSigner(feePayer, m),
    (m) => svm.setTransactionMessageLifetimeUsingLatestBlockhash(m),
    (m) => appendTransactionMessageInstructions(instructions, m),
  );
  const tx = await signTransactionMessageWithSigners(msg);
  const wire = getBase64EncodedWireTransaction(tx);
  const message = msgDecoder.decode(tx.messageBytes);
  const sig = execute(tx, message, wire);
  const rec = history.get(sig);
  if (rec.err !== null) throw new Error(`setup transaction failed: ${JSON.stringify(rec.err)} ${rec.logs.join("\n")}`);
  return sig;
}

async function setup({ decimals = 6, sol = {}, tokens = {} } = {}) {
  const authority = await generateKeyPairSigner();
  svm.airdrop(authority.address, lamports(10_000_000_000n));
  for (const [wallet, amount] of Object.entries(sol)) svm.airdrop(address(wallet), lamports(BigInt(amount)));
  const mint = await generateKeyPairSigner();
  const space = BigInt(getMintSize());
  await sendSigned(
    [
      getCreateAccountInstruction({
        payer: authority,
        newAccount: mint,
        lamports: svm.minimumBalanceForRentExemption(space),
        space,
        programAddress: TOKEN_PROGRAM_ADDRESS,
      }),
      getInitializeMint2Instruction({ mint: mint.address, decimals, mintAuthority: authority.address }),
    ],
    authority,
  );
  const accounts = {};
  for (const [wallet, amount] of Object.entries(tokens)) {
    const [ata] = await findAssociatedTokenPda({ owner: address(wallet), mint: mint.address, tokenProgram: TOKEN_PROGRAM_ADDRESS });
    const ixs = [
      getCreateAssociatedTokenIdempotentInstruction({ payer: authority, ata, owner: address(wallet), mint: mint.address }),
    ];
    if (BigInt(amount) > 0n) ixs.push(getMintToInstruction({ mint: mint.address, token: ata, mintAuthority: authority, amount: BigInt(amount) }));
    await sendSigned(ixs, authority);
    accounts[wallet] = ata;
  }
  return { mint: mint.address, tokenProgram: TOKEN_PROGRAM_ADDRESS, associatedTokenProgram: ASSOCIATED_TOKEN_PROGRAM_ADDRESS, decimals, accounts };
}

const methods = {
  getLatestBlockhash: () => ({ context: context(), value: { blockhash: svm.latestBlockhash(), lastValidBlockHeight: Number(slot) + 150 } }),
  getSlot: () => Number(slot),
  getBalance: ([addr]) => ({ context: context(), value: Number(svm.getBalance(address(addr)) ?? 0n) }),
  getAccountInfo: ([addr]) => {
    const acc = svm.getAccount(address(addr));
    if (!acc.exists) return { context: context(), value: null };
    return {
      context: context(),
      value: {
        data: [b64dec.decode(acc.data), "base64"],
        executable: acc.executable,
        lamports: Number(acc.lamports),
        owner: acc.programAddress,
        rentEpoch: 18446744073709551615,
        space: acc.data.length,
      },
    };
  },
  getTokenAccountBalance: ([addr]) => {
    const acc = svm.getAccount(address(addr));
    if (!acc.exists || acc.programAddress !== TOKEN_PROGRAM_ADDRESS || acc.data.length !== 165) {
      throw new RpcError(-32602, "Invalid param: not a Token account");
    }
    const mint = svm.getAccount(address(b58.decode(acc.data.slice(0, 32))));
    return { context: context(), value: tokenAmount(u64le(acc.data, 64), mint.data[44]) };
  },
  simulateTransaction: ([b64]) => {
    calls.simulateTransaction += 1;
    const { tx } = decodeWire(b64);
    const r = simulate(tx);
    return { context: context(), value: { accounts: null, err: r.err, logs: r.logs, returnData: null, unitsConsumed: r.unitsConsumed } };
  },
  sendTransaction: ([b64, config = {}]) => {
    calls.sendTransaction += 1;
    const { tx, message } = decodeWire(b64);
    if (!config.skipPreflight) {
      const r = simulate(tx);
      if (r.err !== null) {
        throw new RpcError(-32002, `Transaction simulation failed: ${JSON.stringify(r.err)}`, {
          accounts: null,
          err: r.err,
          logs: r.logs,
          returnData: null,
          unitsConsumed: r.unitsConsumed,
        });
      }
    }
    if (defer) {
      deferred.push([tx, message, b64]);
      return firstSignature(tx);
    }
    return execute(tx, message, b64);
  },
  getSignatureStatuses: ([sigs]) => ({
    context: context(),
    value: sigs.map((s) => {
      const rec = history.get(s);
      if (!rec) return null;
      return {
        confirmationStatus: "finalized",
        confirmations: null,
        err: rec.err,
        slot: Number(rec.slot),
        status: rec.err === null ? { Ok: null } : { Err: rec.err },
      };
    }),
  }),
  getTransaction: ([sig, config = {}]) => {
    const rec = history.get(sig);
    if (!rec) return null;
    if (rec.message.version !== "legacy" && config.maxSupportedTransactionVersion === undefined) {
      throw new RpcError(-32015, "Transaction version (0) is not supported by the requesting client. Please try the request again with the following configuration parameter: \"maxSupportedTransactionVersion\": 0");
    }
    return transactionResult(rec, config.encoding ?? "json");
  },
  pay402_setup: ([opts]) => setup(opts),
  pay402_stats: () => ({ ...calls }),
  pay402_deferExecution: ([on]) => {
    defer = Boolean(on);
    const executed = [];
    while (!defer && deferred.length) {
      const [tx, message, wire] = deferred.shift();
      executed.push(execute(tx, message, wire));
    }
    return executed;
  },
};

async function handle(req) {
  if (!req || req.jsonrpc !== "2.0" || typeof req.method !== "string") {
    return { jsonrpc: "2.0", id: req?.id ?? null, error: { code: -32600, message: "Invalid request" } };
  }
  const fn = methods[req.method];
  if (!fn) return { jsonrpc: "2.0", id: req.id, error: { code: -32601, message: "Method not found" } };
  try {
    return { jsonrpc: "2.0", id: req.id, result: await fn(req.params ?? []) };
  } catch (e) {
    if (e instanceof RpcError) {
      const error = { code: e.code, message: e.message };
      if (e.data !== undefined) error.data = e.data;
      return { jsonrpc: "2.0", id: req.id, error };
    }
    console.error(e);
    return { jsonrpc: "2.0", id: req.id, error: { code: -32603, message: `Internal error: ${e.message}` } };
  }
}

// Requests run one at a time (the runtime is single-threaded; a queue keeps setup's awaits from interleaving).
let queue = Promise.resolve();
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    queue = queue.then(async () => {
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        body = undefined;
      }
      const out = body === undefined
        ? { jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } }
        : Array.isArray(body) ? await Promise.all(body.map(handle)) : await handle(body);
      res.writeHead(200, { "content-type": "application/json" });
      // u64::MAX as a real validator writes it (a JS number would print 18446744073709552000, which
      // strict u64 parsers such as solders refuse)
      res.end(JSON.stringify(out).replaceAll('"rentEpoch":18446744073709552000', '"rentEpoch":18446744073709551615'));
    });
  });
});
server.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => {
  console.log(`listening http://127.0.0.1:${server.address().port}`);
});
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => server.close(() => process.exit(0)));
