/// Element types of the safetensors format, spelled as in the header's `dtype` field.
///
/// The cases follow the declaration order of the reference Rust crate's `Dtype` enum (safetensors 0.8: `BOOL, F4,
/// F6_E2M3, F6_E3M2, U8, I8, F8_E5M2, F8_E4M3, F8_E8M0, F8_E4M3FNUZ, F8_E5M2FNUZ, I16, U16, F16, BF16, I32, U32, F32,
/// C64, F64, I64, U64`). That order matters: the reference writer sorts tensors by it (descending, "by alignment") and
/// then by name, and `SafeTensorsWriter` reproduces its byte layout.
public enum SafeTensorsDType: String, CaseIterable, Sendable, Comparable, CustomStringConvertible {
    case bool = "BOOL"
    case f4 = "F4"
    case f6E2M3 = "F6_E2M3"
    case f6E3M2 = "F6_E3M2"
    case u8 = "U8"
    case i8 = "I8"
    case f8E5M2 = "F8_E5M2"
    case f8E4M3 = "F8_E4M3"
    case f8E8M0 = "F8_E8M0"
    case f8E4M3FNUZ = "F8_E4M3FNUZ"
    case f8E5M2FNUZ = "F8_E5M2FNUZ"
    case i16 = "I16"
    case u16 = "U16"
    case f16 = "F16"
    case bf16 = "BF16"
    case i32 = "I32"
    case u32 = "U32"
    case f32 = "F32"
    case c64 = "C64"
    case f64 = "F64"
    case i64 = "I64"
    case u64 = "U64"

    /// Bits per element. F4 and F6 are packed, so a tensor's bit count must be a whole number of bytes.
    public var bitWidth: Int {
        switch self {
        case .f4: return 4
        case .f6E2M3, .f6E3M2: return 6
        case .bool, .u8, .i8, .f8E5M2, .f8E4M3, .f8E8M0, .f8E4M3FNUZ, .f8E5M2FNUZ: return 8
        case .i16, .u16, .f16, .bf16: return 16
        case .i32, .u32, .f32: return 32
        case .c64, .f64, .i64, .u64: return 64
        }
    }

    /// Whether `SafeTensorsFile.floats(_:)` converts this type (F32 copied, F16/BF16 widened, F64 narrowed).
    public var convertsToFloat: Bool {
        switch self {
        case .f32, .f16, .bf16, .f64: return true
        default: return false
        }
    }

    /// Position in the reference declaration order.
    var rank: Int {
        switch self {
        case .bool: return 0
        case .f4: return 1
        case .f6E2M3: return 2
        case .f6E3M2: return 3
        case .u8: return 4
        case .i8: return 5
        case .f8E5M2: return 6
        case .f8E4M3: return 7
        case .f8E8M0: return 8
        case .f8E4M3FNUZ: return 9
        case .f8E5M2FNUZ: return 10
        case .i16: return 11
        case .u16: return 12
        case .f16: return 13
        case .bf16: return 14
        case .i32: return 15
        case .u32: return 16
        case .f32: return 17
        case .c64: return 18
        case .f64: return 19
        case .i64: return 20
        case .u64: return 21
        }
    }

    public static func < (lhs: SafeTensorsDType, rhs: SafeTensorsDType) -> Bool { lhs.rank < rhs.rank }

    public var description: String { rawValue }

    /// Bytes taken by `elementCount` elements, or nil when that overflows or ends inside a byte (packed types).
    public func byteCount(elementCount: Int) -> Int? {
        let (bits, overflow) = elementCount.multipliedReportingOverflow(by: bitWidth)
        guard !overflow, bits % 8 == 0 else { return nil }
        return bits / 8
    }
}
