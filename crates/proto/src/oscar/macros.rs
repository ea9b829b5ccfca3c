//! Small declaration helpers for SNAC bodies that are nothing but a TLV block.

/// Declares a SNAC body struct holding an unprefixed TLV block, with `decode`/`encode`.
macro_rules! tlv_body {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub struct $name {
            /// The body's TLVs in wire order; unknown types are kept for re-encoding.
            pub tlvs: $crate::oscar::tlv::TlvBlock,
        }

        impl $name {
            /// Decodes the SNAC body (TLVs to the end).
            pub fn decode<'a>(
                body: impl Into<$crate::oscar::buf::Reader<'a>>,
            ) -> Result<Self, $crate::oscar::buf::WireError> {
                Ok($name { tlvs: $crate::oscar::tlv::TlvBlock::decode(body)? })
            }

            /// Encodes the SNAC body.
            pub fn encode(
                &self,
                out: &mut bytes::BytesMut,
            ) -> Result<(), $crate::oscar::buf::WireError> {
                self.tlvs.write_rest(out)
            }
        }

        impl From<$crate::oscar::tlv::TlvBlock> for $name {
            fn from(tlvs: $crate::oscar::tlv::TlvBlock) -> Self {
                $name { tlvs }
            }
        }
    };
}

/// Declares a SNAC body struct that is a list of u16 values to the end of the body.
macro_rules! u16_list_body {
    ($(#[$meta:meta])* $name:ident, $field:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub struct $name {
            /// The values in wire order.
            pub $field: Vec<u16>,
        }

        impl $name {
            /// Decodes the SNAC body; an odd trailing byte is an error.
            pub fn decode<'a>(
                body: impl Into<$crate::oscar::buf::Reader<'a>>,
            ) -> Result<Self, $crate::oscar::buf::WireError> {
                let mut r: $crate::oscar::buf::Reader<'a> = body.into();
                let mut $field = Vec::with_capacity(r.remaining() / 2);
                while !r.is_empty() {
                    $field.push(r.u16()?);
                }
                Ok($name { $field })
            }

            /// Encodes the SNAC body.
            pub fn encode(
                &self,
                out: &mut bytes::BytesMut,
            ) -> Result<(), $crate::oscar::buf::WireError> {
                use bytes::BufMut;
                self.$field.iter().for_each(|v| out.put_u16(*v));
                Ok(())
            }
        }
    };
}
