//! The face models, run in-process and offline with RTen (a pure-Rust ONNX runtime): MediaPipe's
//! face mesh (468 landmarks) and its selfie segmentation (person mask), both Apache-2.0, converted
//! from the TFLite files of the `mediapipe` 0.10.21 wheel; and dlib's ResNet face descriptor
//! (CC0), which the holder check (`face`) compares. Provenance, licences, checksums and how
//! they were converted: assets/models/README.md. They are embedded in the binary, so a kiosk can
//! never run without them or fetch another version.
//!
//! Each model is parsed once per process, on first use (about 40 ms together), and shared: the
//! camera thread and `kiosk photo check` use the same instances (`rten::Model::run` takes `&self`).

use std::sync::OnceLock;

use rten::Model;
use rten_tensor::NdTensor;

const FACE_MESH: &[u8] = include_bytes!("../../assets/models/face_landmark.onnx");
const SEGMENTATION: &[u8] = include_bytes!("../../assets/models/selfie_segmentation.onnx");
const DESCRIPTOR: &[u8] =
    include_bytes!("../../assets/models/dlib_face_recognition_resnet_model_v1.onnx");

/// Side of the face mesh's square input, in pixels.
pub const MESH_INPUT: usize = 192;
/// Side of the segmentation's square input, in pixels.
pub const SEGMENTATION_INPUT: usize = 256;
/// Side of the face descriptor's square input (an aligned face chip), in pixels.
pub const DESCRIPTOR_INPUT: usize = 150;
/// Length of a face descriptor.
pub const DESCRIPTOR_LEN: usize = 128;

#[derive(Debug, thiserror::Error)]
#[error("face model {model}: {detail}")]
pub struct ModelError {
    pub model: &'static str,
    pub detail: String,
}

fn face_mesh() -> Result<&'static Model, ModelError> {
    static MODEL: OnceLock<Result<Model, String>> = OnceLock::new();
    shared(&MODEL, "face mesh", FACE_MESH)
}

fn segmentation() -> Result<&'static Model, ModelError> {
    static MODEL: OnceLock<Result<Model, String>> = OnceLock::new();
    shared(&MODEL, "segmentation", SEGMENTATION)
}

fn descriptor() -> Result<&'static Model, ModelError> {
    static MODEL: OnceLock<Result<Model, String>> = OnceLock::new();
    shared(&MODEL, "face descriptor", DESCRIPTOR)
}

/// The model in `cell`, parsed from `bytes` on first use; a parse failure is kept, so it is
/// reported on every use rather than retried.
fn shared(
    cell: &'static OnceLock<Result<Model, String>>,
    name: &'static str,
    bytes: &'static [u8],
) -> Result<&'static Model, ModelError> {
    cell.get_or_init(|| Model::load_static_slice(bytes).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(failed(name))
}

/// Turns any error of running `model` or reading its output into a `ModelError`.
fn failed<E: std::fmt::Display>(model: &'static str) -> impl Fn(E) -> ModelError {
    move |e| ModelError {
        model,
        detail: e.to_string(),
    }
}

/// The face mesh on one 192×192 RGB input (`rgb` in 0–1, row-major, channels last): 468 points
/// (x, y in input pixels, z relative depth at the same scale) and the face-presence probability.
pub fn run_face_mesh(rgb: Vec<f32>) -> Result<(Vec<[f32; 3]>, f32), ModelError> {
    let model = face_mesh()?;
    let input = NdTensor::from_data([1, MESH_INPUT, MESH_INPUT, 3], rgb);
    let ids = model.output_ids();
    let (points, presence) = (ids[0], ids[1]);
    let [points, presence] = model
        .run_n(
            vec![(model.input_ids()[0], input.into())],
            [points, presence],
            None,
        )
        .map_err(failed("face mesh"))?;
    let points: NdTensor<f32, 4> = points.try_into().map_err(failed("face mesh"))?;
    let presence: NdTensor<f32, 4> = presence.try_into().map_err(failed("face mesh"))?;
    let points = points.into_data();
    let logit = presence.into_data().first().copied().unwrap_or(f32::MIN);
    Ok((
        points.chunks_exact(3).map(|p| [p[0], p[1], p[2]]).collect(),
        1.0 / (1.0 + (-logit).exp()),
    ))
}

/// The person mask of one 256×256 RGB input (`rgb` in 0–1, channels last): one probability per
/// input pixel, row-major.
pub fn run_segmentation(rgb: Vec<f32>) -> Result<Vec<f32>, ModelError> {
    let model = segmentation()?;
    let input = NdTensor::from_data([1, SEGMENTATION_INPUT, SEGMENTATION_INPUT, 3], rgb);
    let mask = model
        .run_one(input.into(), None)
        .map_err(failed("segmentation"))?;
    let mask: NdTensor<f32, 4> = mask.try_into().map_err(failed("segmentation"))?;
    Ok(mask.into_data())
}

/// The 128-value descriptor of one aligned 150×150 face chip (`rgb` planar: all red, then green,
/// then blue, row-major, values 0–255; the model normalises them itself). Two chips of one
/// person lie at a small Euclidean distance (dlib's own threshold is 0.6).
pub fn run_face_descriptor(rgb: Vec<f32>) -> Result<[f32; DESCRIPTOR_LEN], ModelError> {
    let model = descriptor()?;
    let input = NdTensor::from_data([1, 3, DESCRIPTOR_INPUT, DESCRIPTOR_INPUT], rgb);
    let out = model
        .run_one(input.into(), None)
        .map_err(failed("face descriptor"))?;
    let out: NdTensor<f32, 2> = out.try_into().map_err(failed("face descriptor"))?;
    out.into_data()
        .try_into()
        .map_err(|v: Vec<f32>| ModelError {
            model: "face descriptor",
            detail: format!("{} values instead of {DESCRIPTOR_LEN}", v.len()),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_files_are_the_documented_ones() {
        use sha2::{Digest, Sha256};
        let hex = |b: &[u8]| {
            Sha256::digest(b)
                .iter()
                .map(|x| format!("{x:02x}"))
                .collect::<String>()
        };
        // assets/models/README.md
        assert_eq!(
            hex(FACE_MESH),
            "bd0176a8261fbe1a7c6b7df258d772ea52d20bfc52fe3946371ccd0a7f14acaa"
        );
        assert_eq!(
            hex(SEGMENTATION),
            "d88bd64f043085e4b552e42c5b6b29333d78f9daf12a2132124ebc9fbb9d0cdf"
        );
        assert_eq!(
            hex(DESCRIPTOR),
            "40d24bc77a272cd77b5c18aea1bd7fdefb12725348ad65213890018f10c12901"
        );
    }

    #[test]
    fn every_model_loads_and_answers_in_its_documented_shape() {
        let (points, presence) = run_face_mesh(vec![0.5; MESH_INPUT * MESH_INPUT * 3]).unwrap();
        assert_eq!(points.len(), 468);
        assert!(presence < 0.5, "a grey square is no face: {presence}");
        let mask =
            run_segmentation(vec![0.9; SEGMENTATION_INPUT * SEGMENTATION_INPUT * 3]).unwrap();
        assert_eq!(mask.len(), SEGMENTATION_INPUT * SEGMENTATION_INPUT);
        assert!(
            mask.iter().all(|&p| p < 0.5),
            "a white square holds no person"
        );
        let grey =
            run_face_descriptor(vec![128.0; 3 * DESCRIPTOR_INPUT * DESCRIPTOR_INPUT]).unwrap();
        let norm = grey.iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!(norm > 0.1 && norm.is_finite(), "descriptor norm {norm}");
    }
}
