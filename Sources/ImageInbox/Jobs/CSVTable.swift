/// A CSV file as RFC 4180 reads it: records of fields separated by commas (or by semicolons, as
/// spreadsheets save it in locales whose decimal mark is a comma), fields in double quotes where
/// they hold a separator, a quote (doubled) or a line break, CRLF or LF line ends.
package struct CSVTable: Sendable, Equatable {
    /// One record and the line it starts on (from 1).
    package struct Record: Sendable, Equatable {
        package var fields: [String]
        package var line: Int
    }

    package var records: [Record]

    /// - Parameter firstLine: The line of the file `text` starts on.
    /// - Throws: ``ImageInboxError`` `invalidSource` for a quote that is never closed or a
    ///   quoted field followed by other text.
    package init(parsing text: String, firstLine: Int = 1) throws(ImageInboxError) {
        let header = text.prefix { $0 != "\n" }
        let separator: Character = !header.contains(",") && header.contains(";") ? ";" : ","
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var line = firstLine
        var recordLine = firstLine
        var index = text.startIndex
        var quoted = false
        var fieldWasQuoted = false
        func refuse(_ why: String) -> ImageInboxError {
            ImageInboxError(code: .invalidSource, message: "The CSV \(why) (line \(line)). Save it again from the spreadsheet as CSV.")
        }
        while index < text.endIndex {
            let character = text[index]
            if quoted {
                if character == "\"" {
                    let next = text.index(after: index)
                    if next < text.endIndex, text[next] == "\"" {
                        field.append("\"")
                        index = next
                    } else {
                        quoted = false
                    }
                } else {
                    if character == "\n" { line += 1 }
                    field.append(character)
                }
            } else if character == "\"" && field.isEmpty && !fieldWasQuoted {
                quoted = true
                fieldWasQuoted = true
            } else if character == separator {
                fields.append(field)
                (field, fieldWasQuoted) = ("", false)
            } else if character == "\n" || character == "\r\n" {
                fields.append(field)
                if fields != [""] { records.append(Record(fields: fields, line: recordLine)) }
                (fields, field, fieldWasQuoted) = ([], "", false)
                line += 1
                recordLine = line
            } else if character == "\r" {
                // A lone CR ends nothing: CRLF is one Character, and files are read with \n line ends.
            } else {
                guard !fieldWasQuoted else { throw refuse("has text after a quoted field's closing quote") }
                field.append(character)
            }
            index = text.index(after: index)
        }
        guard !quoted else { throw refuse("has a quote that is never closed") }
        fields.append(field)
        if fields != [""] { records.append(Record(fields: fields, line: recordLine)) }
        self.records = records
    }
}
