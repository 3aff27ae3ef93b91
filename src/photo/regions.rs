//! Regions of an image as masks: which pixels lie inside a polygon (the face outline, an eye,
//! the lips). Pixel (x, y) is inside when its centre (x + 0.5, y + 0.5) is, by the even-odd rule.

/// A `width`×`height` mask, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Mask {
    pub width: u32,
    pub height: u32,
    pub inside: Vec<bool>,
}

impl Mask {
    pub fn polygon(width: u32, height: u32, polygon: &[(f32, f32)]) -> Mask {
        let mut inside = vec![false; (width * height) as usize];
        let mut crossings = Vec::new();
        for y in 0..height {
            let yc = y as f32 + 0.5;
            crossings.clear();
            for (i, &(x0, y0)) in polygon.iter().enumerate() {
                let (x1, y1) = polygon[(i + 1) % polygon.len()];
                if (y0 <= yc) != (y1 <= yc) {
                    crossings.push(x0 + (yc - y0) / (y1 - y0) * (x1 - x0));
                }
            }
            crossings.sort_by(f32::total_cmp);
            for pair in crossings.chunks_exact(2) {
                let from = (pair[0] - 0.5).ceil().max(0.0) as u32;
                let to = ((pair[1] - 0.5).floor() + 1.0).clamp(0.0, width as f32) as u32;
                for x in from..to {
                    inside[(y * width + x) as usize] = true;
                }
            }
        }
        Mask {
            width,
            height,
            inside,
        }
    }

    pub fn contains(&self, x: u32, y: u32) -> bool {
        x < self.width && y < self.height && self.inside[(y * self.width + x) as usize]
    }

    /// Inside this mask and outside `other`.
    pub fn minus(mut self, other: &Mask) -> Mask {
        for (a, b) in self.inside.iter_mut().zip(&other.inside) {
            *a &= !b;
        }
        self
    }

    pub fn count(&self) -> usize {
        self.inside.iter().filter(|&&b| b).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_square_covers_the_pixels_whose_centres_it_holds() {
        let m = Mask::polygon(10, 10, &[(2.0, 2.0), (6.0, 2.0), (6.0, 5.0), (2.0, 5.0)]);
        assert_eq!(m.count(), 4 * 3);
        assert!(m.contains(2, 2) && m.contains(5, 4));
        assert!(!m.contains(6, 2) && !m.contains(2, 5) && !m.contains(1, 3));
    }

    #[test]
    fn a_hole_is_taken_away_and_a_polygon_past_the_edge_is_clipped() {
        let outer = Mask::polygon(
            8,
            8,
            &[(-4.0, -4.0), (20.0, -4.0), (20.0, 20.0), (-4.0, 20.0)],
        );
        assert_eq!(outer.count(), 64);
        let hole = Mask::polygon(8, 8, &[(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0)]);
        assert_eq!(outer.minus(&hole).count(), 60);
    }
}
