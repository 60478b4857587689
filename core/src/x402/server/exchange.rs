//! The exactly-once rules of one paid request, as a state machine whose states are types: each
//! step consumes the state by value, so a step cannot be taken twice or out of order, and the
//! content of one authorization is served at most once.
//!
//! Handler first (the default):
//!
//! ```text
//! Reserving --reserved--> Handling --ok--> Settling --settled--> Serve{status, receipt}
//!     |                      |                |--refused--> Withhold{402, failure receipt} + release
//!     |                      |                |--indeterminate, 1st--> Settling (one retry)
//!     |                      |                `--indeterminate, 2nd--> Pending{status} + keep reservation
//!     |                      `--failed (status >= 400 or exception)--> ReleaseReservation, pass the response
//!     `--already held--> Refused 402 payment_already_used
//! ```
//!
//! With [`ExchangeOptions::settle_before_handler`] the order is Reserving → Settling → Handling,
//! and a handler that fails after settlement still gets the receipt (the payment is taken).
//!
//! Indeterminate outcomes are a facilitator that did not answer (timeout, connection error, 5xx:
//! [`SettleOutcome::Unavailable`]) and a `settlement_pending` result with a transaction hash
//! ([`super::SettleVerdict::Pending`]). Exactly as the reference resource server
//! (`settleWithPendingRetry`,
//! <https://github.com/coinbase/x402/blob/main/typescript/packages/core/src/server/x402ResourceServer.ts>),
//! settle is retried once, with the identical body, only for `settlement_pending`; a facilitator
//! that did not answer is not retried. An outcome still indeterminate keeps the reservation
//! (the payment may still land, so the authorization must not be admitted again) and
//! withholds the content: 402 with the pending receipt, or 502 when there is no answer.

use super::admission::Admission;
use super::settlement::SettleVerdict;
use crate::x402::{SettleResponse, X402Version};

/// How the exchange runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExchangeOptions {
    /// Settle before running the handler (the handler runs only on settled payments).
    pub settle_before_handler: bool,
}

/// What the handler did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandlerOutcome {
    /// The handler answered with this status (below 400).
    Ok {
        /// The response status.
        status: u16,
    },
    /// The handler answered with a status of 400 or more, or raised (the host reports 500).
    Failed {
        /// The response status.
        status: u16,
    },
}

impl HandlerOutcome {
    /// `Ok` below 400, `Failed` from 400 on.
    pub const fn from_status(status: u16) -> Self {
        if status >= 400 {
            Self::Failed { status }
        } else {
            Self::Ok { status }
        }
    }
}

/// What the facilitator answered to `/settle`.
#[derive(Debug, Clone, Copy)]
pub enum SettleOutcome<'r> {
    /// A `SettleResponse` (success, failure or `settlement_pending`).
    Response(SettleResponse<'r>),
    /// No answer: timeout, connection error, 5xx, an unreadable body.
    Unavailable,
}

/// The receipt to send, when there is one: the facilitator's `SettleResponse`, encoded with
/// [`super::write_receipt`] under [`Receipt::header_name`].
#[derive(Debug, Clone, Copy)]
pub struct Receipt<'r> {
    /// `PAYMENT-RESPONSE` (v2) or `X-PAYMENT-RESPONSE` (v1).
    pub header_name: &'static str,
    /// The settlement result to encode.
    pub response: SettleResponse<'r>,
}

/// What the host does next, as data.
#[derive(Debug, Clone, Copy)]
pub enum Action<'r> {
    /// Reserve the replay key for `ttl` seconds (insert if absent) and report whether it was
    /// free with [`Reserving::reserved`]. A store that cannot answer ends the exchange with
    /// [`super::Refusal::REPLAY_STORE_UNAVAILABLE`] (503): never admit without a reservation.
    ReserveReplayKey {
        /// The key's bytes are [`super::ReplayId::write_bytes`].
        key: super::ReplayId,
        /// Seconds.
        ttl: u64,
    },
    /// Run the handler and report with [`Handling::handled`] (what [`Next::Handle`] asks).
    RunHandler,
    /// Write the `/settle` body ([`super::write_settle_request`]), post it, report with
    /// [`Settling::settled`]. `attempt` is 1, or 2 for the one retry.
    Settle {
        /// 1 or 2.
        attempt: u8,
    },
    /// Final: send the handler's response with `status`, and the receipt if any.
    Serve {
        /// The handler's status.
        status: u16,
        /// The receipt header.
        receipt: Option<Receipt<'r>>,
    },
    /// Final: the handler failed and nothing was settled. Delete the replay reservation (the
    /// same authorization may be retried) and send the handler's response as is.
    ReleaseReservation {
        /// The handler's status.
        status: u16,
    },
    /// Final: settlement was refused. Delete the replay reservation, do not send the content;
    /// answer 402 with the failure receipt (and the challenge, with the reason as `error`).
    Withhold {
        /// 402.
        status: u16,
        /// The failure receipt.
        receipt: Receipt<'r>,
    },
    /// Final: the outcome is unknown. Keep the replay reservation until its lifetime ends, do
    /// not send the content; answer `status` (402 with the pending receipt, or 502 without).
    KeepReservationPending {
        /// 402 or 502.
        status: u16,
        /// The pending receipt, when the facilitator answered.
        receipt: Option<Receipt<'r>>,
    },
    /// Final: the replay key was already held; answer 402 `payment_already_used`
    /// ([`super::Refusal::ALREADY_USED`]) with the challenge.
    RefuseReplay,
}

/// The first state: the admission waits for its replay reservation.
#[derive(Debug, Clone, Copy)]
pub struct Reserving {
    version: X402Version,
    options: ExchangeOptions,
}

/// The handler is running ([`Action::RunHandler`]); after a settlement that came first, it
/// holds the receipt to serve with the handler's response.
#[derive(Debug, Clone, Copy)]
pub struct Handling<'r> {
    version: X402Version,
    settled: Option<Receipt<'r>>,
    options: ExchangeOptions,
}

/// A settlement has been asked for.
#[derive(Debug, Clone, Copy)]
pub struct Settling {
    version: X402Version,
    attempt: u8,
    handler_status: Option<u16>,
    options: ExchangeOptions,
}

/// The next state after a step, with what the host does.
#[derive(Debug)]
pub enum Next<'r> {
    /// Run the handler ([`Action::RunHandler`]).
    Handle(Handling<'r>),
    /// Settle ([`Action::Settle`]).
    Settle(Settling, Action<'r>),
    /// The exchange is over; the action is final.
    Done(Action<'r>),
}

/// Starts the exchange for `admission`: the first action is [`Action::ReserveReplayKey`].
///
/// ```
/// # use pay402::x402::server::*;
/// # fn run(admission: &Admission<'_>) {
/// let (reserving, action) = begin(admission, ExchangeOptions::default());
/// assert!(matches!(action, Action::ReserveReplayKey { .. }));
/// let Next::Handle(handling) = reserving.reserved(true) else { unreachable!() };
/// // The handler crashed: nothing is settled, the reservation is released.
/// let Next::Done(Action::ReleaseReservation { status: 500 }) =
///     handling.handled(HandlerOutcome::from_status(500)) else { unreachable!() };
/// # }
/// ```
pub fn begin<'r>(admission: &Admission<'_>, options: ExchangeOptions) -> (Reserving, Action<'r>) {
    (
        Reserving {
            version: admission.version,
            options,
        },
        Action::ReserveReplayKey {
            key: admission.replay.key,
            ttl: admission.replay.ttl,
        },
    )
}

impl Reserving {
    /// The store answered: `true` when the key was free and is now reserved.
    pub fn reserved<'r>(self, fresh: bool) -> Next<'r> {
        if !fresh {
            return Next::Done(Action::RefuseReplay);
        }
        if self.options.settle_before_handler {
            Next::Settle(
                Settling {
                    version: self.version,
                    attempt: 1,
                    handler_status: None,
                    options: self.options,
                },
                Action::Settle { attempt: 1 },
            )
        } else {
            Next::Handle(Handling {
                version: self.version,
                settled: None,
                options: self.options,
            })
        }
    }
}

impl<'r> Handling<'r> {
    /// The handler finished.
    ///
    /// Handler first: a failure releases the reservation (nothing settled); success settles.
    /// Settled first: the response is served with the settlement's receipt whatever its status
    /// (the payment is taken; nothing can be released).
    pub fn handled(self, outcome: HandlerOutcome) -> Next<'r> {
        let status = match outcome {
            HandlerOutcome::Ok { status } | HandlerOutcome::Failed { status } => status,
        };
        if let Some(receipt) = self.settled {
            return Next::Done(Action::Serve {
                status,
                receipt: Some(receipt),
            });
        }
        match outcome {
            HandlerOutcome::Failed { status } => Next::Done(Action::ReleaseReservation { status }),
            HandlerOutcome::Ok { status } => Next::Settle(
                Settling {
                    version: self.version,
                    attempt: 1,
                    handler_status: Some(status),
                    options: self.options,
                },
                Action::Settle { attempt: 1 },
            ),
        }
    }

    /// The receipt of a settlement that came before the handler, if any.
    pub fn receipt(&self) -> Option<&Receipt<'r>> {
        self.settled.as_ref()
    }
}

impl Settling {
    /// The facilitator answered (or did not).
    pub fn settled(self, outcome: SettleOutcome<'_>) -> Next<'_> {
        let header_name = super::settlement::receipt_header_name(self.version);
        match outcome {
            SettleOutcome::Response(response) => match SettleVerdict::of(&response) {
                SettleVerdict::Settled => match self.handler_status {
                    Some(status) => Next::Done(Action::Serve {
                        status,
                        receipt: Some(Receipt {
                            header_name,
                            response,
                        }),
                    }),
                    None => Next::Handle(Handling {
                        version: self.version,
                        settled: Some(Receipt {
                            header_name,
                            response,
                        }),
                        options: self.options,
                    }),
                },
                SettleVerdict::Refused => Next::Done(Action::Withhold {
                    status: 402,
                    receipt: Receipt {
                        header_name,
                        response,
                    },
                }),
                SettleVerdict::Pending if self.attempt < 2 => {
                    Next::Settle(Self { attempt: 2, ..self }, Action::Settle { attempt: 2 })
                }
                SettleVerdict::Pending => Next::Done(Action::KeepReservationPending {
                    status: 402,
                    receipt: Some(Receipt {
                        header_name,
                        response,
                    }),
                }),
            },
            SettleOutcome::Unavailable => Next::Done(Action::KeepReservationPending {
                status: 502,
                receipt: None,
            }),
        }
    }

    /// 1 for the first settlement, 2 for the retry.
    pub const fn attempt(&self) -> u8 {
        self.attempt
    }
}
