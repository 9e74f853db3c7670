//! Structured seeds (programs of `fuzz/shared/tl_shapes.rs`) for the TL-reading targets:
//! the shapes an outside review (issue #19) found byte soup never reaches. Each one is also
//! run natively, through the targets' own code, by `tests/fuzz_seeds.rs`.

use crate::tl_shapes::*;

/// A named program; whether the dynamic decoder must refuse what it builds; what a
/// `ClientCore` with a session reports first when it arrives as a server message: the
/// protocol error's message, or "result" / "update" (the body goes to the app as it is).
pub struct Seed {
    pub name: &'static str,
    pub program: Vec<u8>,
    pub decode_fails: bool,
    pub client_reports: &'static str,
}

const NESTED_GZIP: &str = "gzip_packed inside gzip_packed";
const BAD_CONTAINER: &str = "invalid msg_container";

fn seed(name: &'static str, program: Vec<u8>, decode_fails: bool, client: &'static str) -> Seed {
    Seed {
        name,
        program,
        decode_fails,
        client_reports: client,
    }
}

/// A vector claiming `count` elements around `items` leaves.
fn claiming(count: u32, items: u8) -> Vec<u8> {
    let mut p = Vec::new();
    for k in 0..items {
        p.extend([OP_LEAF, k]);
    }
    p.push(OP_VECTOR);
    p.extend(count.to_le_bytes());
    p.push(items);
    p
}

pub fn seeds() -> Vec<Seed> {
    let then = |mut p: Vec<u8>, more: &[u8]| {
        p.extend_from_slice(more);
        p
    };
    vec![
        seed(
            "gzip_2000_stored",
            nested(0, WRAP_GZIP_STORED, 2000),
            true,
            NESTED_GZIP,
        ),
        seed(
            "gzip_100_deflate",
            nested(0, WRAP_GZIP, 100),
            true,
            NESTED_GZIP,
        ),
        seed(
            "gzip_2_deflate",
            nested(0, WRAP_GZIP, 2),
            false,
            NESTED_GZIP,
        ),
        seed(
            "containers_1000",
            nested(0, WRAP_CONTAINER, 1000),
            true,
            BAD_CONTAINER,
        ),
        seed(
            "rpc_results_1000",
            nested(4, WRAP_RPC_RESULT, 1000),
            true,
            "result",
        ),
        seed(
            "text_bold_60000",
            nested(1, WRAP_TEXT_BOLD, 60_000),
            true,
            "update",
        ),
        seed(
            "json_array_60000",
            nested(2, WRAP_JSON_ARRAY, 60_000),
            true,
            "update",
        ),
        seed("vectors_1000", nested(3, WRAP_VECTOR, 1000), true, "update"),
        seed("vector_claims_2_31", claiming(1 << 31, 1), true, "update"),
        seed(
            "vector_claims_u32_max_empty",
            claiming(u32::MAX, 0),
            true,
            "update",
        ),
        seed(
            "vector_claims_2_31_in_gzip_in_rpc_result",
            then(
                claiming(1 << 31, 2),
                &[OP_WRAP, WRAP_GZIP, OP_WRAP, WRAP_RPC_RESULT],
            ),
            true,
            "result",
        ),
        seed(
            "lying_bytes_in_rpc_error",
            vec![
                OP_LEAF,
                4,
                OP_LYING_BYTES,
                0xff,
                0xff,
                0xff,
                0,
                OP_WRAP,
                WRAP_RPC_RESULT,
            ],
            true,
            "result",
        ),
        seed(
            "container_of_16_gzip_packed",
            then(
                // Leaves 0..=6 (7 is an unknown constructor), twice over.
                (0..16)
                    .flat_map(|k| [OP_LEAF, k % 7, OP_WRAP, WRAP_GZIP])
                    .collect(),
                &[OP_CONTAINER, 15],
            ),
            false,
            "result",
        ),
        seed(
            "gzip_container_rpc_result_gzip",
            vec![
                OP_LEAF,
                0,
                OP_WRAP,
                WRAP_GZIP,
                OP_WRAP,
                WRAP_RPC_RESULT,
                OP_WRAP,
                WRAP_CONTAINER,
                OP_WRAP,
                WRAP_GZIP,
            ],
            false,
            BAD_CONTAINER,
        ),
        seed(
            "gzip_of_a_truncated_container",
            then(
                nested(5, WRAP_CONTAINER, 3),
                &[OP_TRUNCATE, 30, 0, OP_WRAP, WRAP_GZIP],
            ),
            true,
            BAD_CONTAINER,
        ),
    ]
}
