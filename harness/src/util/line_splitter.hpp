#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace vfs {

// Turns a byte stream into lines without '\r'/'\n'. Very long lines are cut
// so a guest printing without newlines cannot make the harness grow forever.
class LineSplitter {
public:
    using Sink = std::function<void(std::string_view)>;
    explicit LineSplitter(Sink sink, std::size_t max_line = 64 * 1024)
        : sink_(std::move(sink)), max_(max_line) {}

    void feed(std::string_view bytes) {
        for (char c : bytes) {
            if (c == '\n') {
                emit();
            } else if (c != '\r') {
                buf_ += c;
                if (buf_.size() >= max_) {
                    emit();
                }
            }
        }
    }
    // Emits a final line that had no newline.
    void flush() {
        if (!buf_.empty()) {
            emit();
        }
    }
    // The current incomplete line (e.g. a prompt).
    const std::string& partial() const { return buf_; }

private:
    void emit() {
        sink_(buf_);
        buf_.clear();
    }
    Sink sink_;
    std::size_t max_;
    std::string buf_;
};

} // namespace vfs
