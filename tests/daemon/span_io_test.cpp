#include "fuse/span_reader.hpp"
#include "fuse/span_writer.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <string>

using vfsd::fuse::SpanReader;
using vfsd::fuse::SpanWriter;

TEST_CASE("SpanReader reads across span boundaries and refuses to overrun", "[span]") {
    char a[] = {'a', 'b', 'c'};
    char b[] = {'d', '\0', 'x', 'y'};
    char empty[1];
    iovec spans[] = {{a, 3}, {empty, 0}, {b, 4}};
    SpanReader in(spans);
    CHECK(in.remaining() == 7);
    auto s = in.read_string(255);
    REQUIRE(s);
    CHECK(*s == "abcd");
    CHECK(in.remaining() == 2);
    char out[4] = {};
    CHECK_FALSE(in.read(out, 3));
    CHECK(in.remaining() == 2);
    auto taken = in.take_spans(2);
    REQUIRE(taken);
    REQUIRE(taken->size() == 1);
    CHECK((*taken)[0].iov_base == b + 2);
    CHECK(in.remaining() == 0);
    CHECK_FALSE(in.take_spans(1));
}

TEST_CASE("SpanReader string needs a NUL and respects the length limit", "[span]") {
    char a[] = {'a', 'b', 'c'};
    iovec spans[] = {{a, 3}};
    SpanReader no_nul(spans);
    CHECK_FALSE(no_nul.read_string(255));
    char b[] = {'a', 'b', 'c', '\0'};
    iovec spans2[] = {{b, 4}};
    SpanReader too_long(spans2);
    CHECK_FALSE(too_long.read_string(2));
}

TEST_CASE("SpanWriter writes at offsets and never past the end", "[span]") {
    char a[4] = {}, b[4] = {};
    char guard[4] = {'G', 'G', 'G', 'G'};
    iovec spans[] = {{a, 4}, {b, 4}};
    SpanWriter out(spans);
    CHECK(out.capacity() == 8);
    CHECK(out.write_at(2, "wxyz", 4));
    CHECK(std::string(a + 2, 2) == "wx");
    CHECK(std::string(b, 2) == "yz");
    CHECK_FALSE(out.write_at(6, "123", 3));
    CHECK_FALSE(out.write_at(9, "1", 1));
    CHECK_FALSE(out.spans_at(~std::size_t{0}, 2));
    CHECK(std::string(guard, 4) == "GGGG");
}
