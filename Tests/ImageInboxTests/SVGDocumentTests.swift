import ImageInbox
import Testing

struct SVGDocumentTests {
    static func svg(_ text: String) -> [UInt8] { Array(text.utf8) }

    static let plain = svg(##"<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200"><rect width="300" height="200" fill="#123456"/></svg>"##)

    @Test func svgIsSniffedByItsRootElementPastItsProlog() {
        #expect(ImageFormat(sniffing: Self.plain) == .svg)
        let prolog = Self.svg(
            "\u{FEFF}<?xml version=\"1.0\"?>\n<!-- drawn -->\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n"
                + "<svg:svg xmlns:svg=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 64 32\"/>"
        )
        #expect(ImageFormat(sniffing: prolog) == .svg)
        #expect(ImageFormat(sniffing: Self.svg("<html><svg/></html>")) == nil)
        #expect(ImageFormat(sniffing: Self.svg("<svgx/>")) == nil)
        #expect(ImageFormat(sniffing: Self.svg("svg")) == nil)
        #expect(ImageFormat(name: "svg") == .svg && ImageFormat.svg.mimeType == "image/svg+xml" && ImageFormat.svg.fileExtension == "svg")
    }

    @Test func theSizeIsTheRootsWidthAndHeightOrItsViewBox() throws {
        #expect(ImageInfo(bytes: Self.plain) == ImageInfo(format: .svg, width: 300, height: 200, hasAlpha: true))
        #expect(ImageInfo(bytes: Self.svg(#"<svg width="64px" height=" 48 "/>"#))?.width == 64)
        let boxed = try #require(ImageInfo(bytes: Self.svg(#"<svg width="100%" height="100%" viewBox="0,0 1536 1024"></svg>"#)))
        #expect(boxed.width == 1536 && boxed.height == 1024)
        let unknown = try #require(ImageInfo(bytes: Self.svg(#"<svg width="10cm" height="5cm"></svg>"#)))
        #expect(unknown.width == 0 && unknown.height == 0)
    }

    @Test func anSVGWhoseElementsDoNotNestAndCloseIsNotWhole() {
        #expect(ImageFormat.svg.isWhole(Self.plain))
        #expect(!ImageFormat.svg.isWhole(Array(Self.plain.dropLast(3))))
        #expect(SVGDocument(bytes: Self.svg("<svg><g></svg></g>")) == nil)
        #expect(SVGDocument(bytes: Self.svg("<svg></svg><svg></svg>")) == nil, "two roots")
        #expect(SVGDocument(bytes: Self.svg("<svg><text>a & b</text></svg>")) == nil, "a bare ampersand")
        #expect(SVGDocument(bytes: Self.svg("<svg><text>a &amp; b &#x263A;</text><!-- x < y --><![CDATA[ <b> ]]></svg>\n<!-- end -->\n")) != nil)
    }

    @Test(arguments: [
        #"<svg><script>alert(1)</script></svg>"#,
        #"<svg><svg:script xmlns:svg="http://www.w3.org/2000/svg">alert(1)</svg:script></svg>"#,
        #"<svg onload="alert(1)"/>"#,
        #"<svg><rect width="1" height="1" ONCLICK = 'alert(1)'/></svg>"#,
        #"<svg><a href="javascript:alert(1)"><rect/></a></svg>"#,
        #"<svg><a xlink:href="&#106;ava&#x09;script:alert(1)"><rect/></a></svg>"#,
        #"<svg><set attributeName="onmouseover" to="alert(1)"/></svg>"#,
        #"<svg><foreignObject><iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"/></foreignObject></svg>"#,
        #"<svg><style>rect { background: url(JavaScript:alert(1)) }</style></svg>"#,
        #"<!DOCTYPE svg [<!ENTITY x "&#60;script&#62;alert(1)&#60;/script&#62;">]><svg>&amp;</svg>"#,
    ])
    func whatWouldRunAsAScriptIsFound(text: String) throws {
        let document = try #require(SVGDocument(bytes: Self.svg(text)))
        #expect(!document.activeContent.isEmpty)
    }

    @Test func aPlainDrawingHasNoActiveContent() throws {
        let drawing = #"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10"><defs><linearGradient id="g" offset="0"/></defs><a href="https://example.com/"><rect fill="url(#g)" opacity="0.5"/></a><text>on = off</text></svg>"#
        let document = try #require(SVGDocument(bytes: Self.svg(drawing)))
        #expect(document.activeContent.isEmpty)
    }

    @Test func anSVGWithAScriptIsNotWritten() throws {
        let scripted = Self.svg(#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="fetch('/steal')"><rect/></svg>"#)
        do {
            _ = try ImageMetadata([("job", "abc")]).embed(into: scripted)
            Issue.record("an SVG with a script was embedded")
        } catch {
            #expect(error.code == .invalidResponse)
            #expect(error.message.contains("held a script (the event attribute onload)"), "\(error.message)")
            #expect(error.isTransient == false, "asking again would pay again for what may be the same script")
        }
    }

    @Test func theProvenanceIsTheRootsFirstChildAndReadsBack() throws {
        let metadata = ImageMetadata([("prompt", #"A fox & "friends" <3"#), ("model", "gpt-image-2.6-flare"), ("job", "abcdef123456")])
        let embedded = try metadata.embed(into: Self.plain)
        let document = try #require(SVGDocument(bytes: embedded))
        #expect(document.activeContent.isEmpty)
        let text = String(decoding: embedded, as: UTF8.self)
        #expect(text.hasPrefix(#"<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200"><metadata><rdf:RDF"#))
        #expect(text.contains("<imageinbox:prompt>A fox &amp; &quot;friends&quot; &lt;3</imageinbox:prompt>"))
        #expect(text.hasSuffix(##"<rect width="300" height="200" fill="#123456"/></svg>"##))
        #expect(ImageMetadata(readingFrom: embedded) == metadata)
        #expect(OutputRecovery.embeddedJob(in: embedded) == "abcdef123456")
    }

    @Test func anEmptyOrPrefixedRootGetsItsMetadataInItsOwnNamespace() throws {
        let empty = try ImageMetadata([("job", "abc")]).embed(into: Self.svg(#"<?xml version="1.0"?><svg:svg xmlns:svg="http://www.w3.org/2000/svg" width="4" height="4" />"#))
        let text = String(decoding: empty, as: UTF8.self)
        #expect(text.contains(#"height="4" ><svg:metadata><rdf:RDF"#))
        #expect(text.hasSuffix("</svg:metadata></svg:svg>"))
        #expect(SVGDocument(bytes: empty) != nil)
        #expect(ImageMetadata(readingFrom: empty)["job"] == "abc")
    }
}
