/// The version of image-inbox, sent as the `User-Agent` and written into image metadata.
package enum ImageInboxVersion {
    package static let current = "0.1.0"
}
