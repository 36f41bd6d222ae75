//! A time-stamp reply or token from anyone (a TSA on the network, a token
//! inside a signature): refused with a code or read, never a panic; and the
//! TSA side answers any request with a reply, never an error.
#![no_main]

use cabinet_sign::{tsp, DigestAlgorithm};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = tsp::token_from_reply(data, DigestAlgorithm::Sha256, &[0u8; 32], &[1]);
    let _ = tsp::read_token(data);
    let _ = tsp::imprints(data);
});
