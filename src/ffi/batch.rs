//! `dci_client_send_batch` and `dci_batch_*`: many requests at once, each answer or error
//! kept apart.

use super::boundary::{ffi, handle, FfiResult, Handle};
use super::{dci_batch, dci_client, dci_request, dci_response, dci_status};
use crate::error::Error;

/// Sends `n` requests at once — up to `concurrency` in flight (0: DCI_BATCH_CONCURRENCY, 8)
/// on threads that live only during this call, the calling thread one of them — and writes their results to `*batch_out`, in the order given: read each with
/// `dci_batch_status` and `dci_batch_take_response`, then free it with `dci_batch_free`.
/// Each result is what `dci_client_send` would give for that request: one failure does not
/// fail the others; retries and the single renewal of an expired session are the same.
///
/// The batch shares one time budget, the client's (`dci_client_set_timeout_ms`): a request
/// starts with what is left of it, and one that cannot start in time fails with
/// DCI_ERROR_TIMEOUT, never sent. When a request is interrupted (`dci_client_interrupt`, or
/// the client's interrupt check — which only the calling thread runs), the batch stops: its
/// requests in flight are interrupted (other calls on the client are not), those not started
/// fail with DCI_ERROR_INTERRUPTED, never sent. The client's log callbacks hear the events of
/// every request, **from the batch's threads** (thread-safe, as always). `requests` is an array of `n` request handles (each
/// used by this call only while it runs; one may appear several times); `n` may be 0.
/// Fails only for bad arguments (a NULL handle), writing nothing. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_send_batch(
    client: *mut dci_client,
    requests: *const *const dci_request,
    n: usize,
    concurrency: usize,
    batch_out: *mut *mut dci_batch,
) -> dci_status {
    ffi!(batch_out => {
        let client = handle!(client);
        if requests.is_null() && n > 0 {
            return Err(Error::invalid_arg("requests", "requests is NULL"));
        }
        let handles: &[*const dci_request] = if n == 0 {
            &[]
        } else {
            // SAFETY: an array of `n` handles (the contract above).
            unsafe { std::slice::from_raw_parts(requests, n) }
        };
        let mut list = Vec::with_capacity(n);
        for (i, &p) in handles.iter().enumerate() {
            // SAFETY: NULL or a live request handle (the contract).
            let req = unsafe { dci_request::borrow(p, "requests[i]") }
                .map_err(|_| Error::invalid_arg("requests", format!("requests[{i}] is NULL")))?;
            list.push(&req.inner);
        }
        let owned: Vec<crate::Request<'_>> = list.into_iter().cloned().collect();
        let results = client.inner.send_all(&owned, concurrency);
        Ok(dci_batch {
            items: results
                .into_iter()
                .map(|r| r.map(|resp| Some(dci_response::new(resp))))
                .collect(),
        }
        .into_raw())
    })
}

/// How many results a batch holds (the `n` it was sent with). 0 for NULL.
#[no_mangle]
pub unsafe extern "C" fn dci_batch_len(batch: *const dci_batch) -> usize {
    // SAFETY: NULL or a live batch handle.
    ffi!(quiet 0 => unsafe { batch.as_ref() }.map_or(0, |b| b.items.len()))
}

/// The outcome of request `i` of a batch: DCI_OK when an answer arrived (whatever its HTTP
/// status: take it with `dci_batch_take_response` and judge it with `dci_response_error`),
/// else the status of its failure — whose facts this call makes the thread's last error, so
/// that `dci_last_error_*` describe request `i`. DCI_ERROR_INVALID_ARGUMENT for a NULL
/// batch or an `i` out of range. Thread-safe (the batch is not changed).
#[no_mangle]
pub unsafe extern "C" fn dci_batch_status(batch: *const dci_batch, i: usize) -> dci_status {
    ffi!({
        match item(handle!(batch), i)? {
            Ok(_) => Ok(()),
            Err(e) => Err(e.clone()),
        }
    })
}

/// Moves the answer of request `i` to `*response_out` (free it with `dci_response_free`);
/// the batch then holds it no more. Fails with the request's own status (and facts, as
/// `dci_batch_status`) when it has no answer, and with DCI_ERROR_INVALID_ARGUMENT when it
/// was taken already or `i` is out of range. Not thread-safe for one batch.
#[no_mangle]
pub unsafe extern "C" fn dci_batch_take_response(
    batch: *mut dci_batch,
    i: usize,
    response_out: *mut *mut dci_response,
) -> dci_status {
    ffi!(response_out => {
        let batch = handle!(mut batch);
        let len = batch.items.len();
        match batch.items.get_mut(i) {
            None => Err(out_of_range(i, len)),
            Some(Err(e)) => Err(e.clone()),
            Some(Ok(slot)) => slot
                .take()
                .map(|r| r.into_raw())
                .ok_or_else(|| Error::invalid_arg("i", format!("the answer of request {i} was taken already"))),
        }
    })
}

/// Frees a batch and the answers still in it. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn dci_batch_free(batch: *mut dci_batch) {
    // SAFETY: NULL or a handle from dci_client_send_batch, freed once (the contract).
    ffi!(quiet () => unsafe { dci_batch::free(batch) })
}

type Item = Result<Option<dci_response>, Error>;

fn item(batch: &dci_batch, i: usize) -> FfiResult<&Item> {
    batch
        .items
        .get(i)
        .ok_or_else(|| out_of_range(i, batch.items.len()))
}

fn out_of_range(i: usize, len: usize) -> Error {
    Error::invalid_arg("i", format!("the batch holds {len} results, not {}", i + 1))
}
