//! A square, possibly rotated, region of a frame: what the face models look at. The region is
//! sampled into the model's input (bilinear, edge pixels repeated outside the frame), and points
//! the model finds in its input are mapped back to frame pixels through the same transform.

use image::RgbImage;

/// A square of side `side` frame pixels centred on (`cx`, `cy`), turned by `angle` radians
/// (clockwise on screen, as image y points down).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Roi {
    pub cx: f32,
    pub cy: f32,
    pub side: f32,
    pub angle: f32,
}

impl Roi {
    /// Frame position of the point (`u`, `v`) of an `n`×`n` input sampled from this region.
    pub fn to_frame(&self, u: f32, v: f32, n: usize) -> (f32, f32) {
        let s = self.side / n as f32;
        let (dx, dy) = (u * s - self.side / 2.0, v * s - self.side / 2.0);
        let (sin, cos) = self.angle.sin_cos();
        (self.cx + dx * cos - dy * sin, self.cy + dx * sin + dy * cos)
    }

    /// The region as an `n`×`n` RGB input, channels last, values 0–1.
    pub fn sample(&self, frame: &RgbImage, n: usize) -> Vec<f32> {
        let mut out = Vec::with_capacity(n * n * 3);
        let (w, h) = frame.dimensions();
        let raw = frame.as_raw();
        let index = |x: i64, y: i64| {
            let x = x.clamp(0, w as i64 - 1) as usize;
            let y = y.clamp(0, h as i64 - 1) as usize;
            (y * w as usize + x) * 3
        };
        // One step along u or v moves the frame position by a fixed vector: the turn is worked
        // out once, not per pixel (it dominated the sampling's cost).
        let s = self.side / n as f32;
        let (sin, cos) = self.angle.sin_cos();
        let (origin_x, origin_y) = self.to_frame(0.5, 0.5, n);
        for v in 0..n {
            let (row_x, row_y) = (origin_x - v as f32 * s * sin, origin_y + v as f32 * s * cos);
            for u in 0..n {
                let x = row_x + u as f32 * s * cos - 0.5;
                let y = row_y + u as f32 * s * sin - 0.5;
                let (x0, y0) = (x.floor(), y.floor());
                let (fx, fy) = (x - x0, y - y0);
                let (x0, y0) = (x0 as i64, y0 as i64);
                let corners = [
                    index(x0, y0),
                    index(x0 + 1, y0),
                    index(x0, y0 + 1),
                    index(x0 + 1, y0 + 1),
                ];
                for c in 0..3 {
                    let [a, b, d, e] = corners.map(|i| raw[i + c] as f32);
                    let top = a * (1.0 - fx) + b * fx;
                    let bottom = d * (1.0 - fx) + e * fx;
                    out.push((top * (1.0 - fy) + bottom * fy) / 255.0);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upright_region_samples_the_frame_pixels_it_covers() {
        // A 4×4 region at (2, 2) of a frame whose red channel is 10·x and green 10·y, sampled
        // at 4×4: input pixel (u, v) is frame pixel (u, v).
        let frame = RgbImage::from_fn(8, 8, |x, y| image::Rgb([10 * x as u8, 10 * y as u8, 0]));
        let roi = Roi {
            cx: 2.0,
            cy: 2.0,
            side: 4.0,
            angle: 0.0,
        };
        let input = roi.sample(&frame, 4);
        let at = |u: usize, v: usize, c: usize| (input[(v * 4 + u) * 3 + c] * 255.0).round();
        assert_eq!((at(3, 1, 0), at(3, 1, 1)), (30.0, 10.0));
        assert_eq!(roi.to_frame(3.5, 1.5, 4), (3.5, 1.5));
    }

    #[test]
    fn a_turned_region_samples_where_its_points_map_to() {
        // On a frame whose red is 10·x and green 10·y (at pixel centres), bilinear sampling is
        // exact, so each input pixel must read the frame position `to_frame` gives for it.
        let frame = RgbImage::from_fn(24, 24, |x, y| image::Rgb([10 * x as u8, 10 * y as u8, 0]));
        let roi = Roi {
            cx: 12.0,
            cy: 11.0,
            side: 10.0,
            angle: 0.4,
        };
        let n = 8;
        let input = roi.sample(&frame, n);
        for v in 0..n {
            for u in 0..n {
                let (x, y) = roi.to_frame(u as f32 + 0.5, v as f32 + 0.5, n);
                let i = (v * n + u) * 3;
                let (red, green) = (input[i] * 255.0, input[i + 1] * 255.0);
                assert!(
                    (red - 10.0 * (x - 0.5)).abs() < 0.01,
                    "({u},{v}): {red} at x {x}"
                );
                assert!(
                    (green - 10.0 * (y - 0.5)).abs() < 0.01,
                    "({u},{v}): {green} at y {y}"
                );
            }
        }
    }

    #[test]
    fn a_turned_region_maps_its_points_back_through_the_turn() {
        // Turned a quarter turn clockwise: the input's right edge is the frame's bottom.
        let roi = Roi {
            cx: 100.0,
            cy: 50.0,
            side: 20.0,
            angle: std::f32::consts::FRAC_PI_2,
        };
        let (x, y) = roi.to_frame(20.0, 10.0, 20);
        assert!(
            (x - 100.0).abs() < 1e-4 && (y - 60.0).abs() < 1e-4,
            "({x}, {y})"
        );
    }
}
