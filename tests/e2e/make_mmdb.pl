#!/usr/bin/perl
# SPDX-License-Identifier: ISC
# Write a small MaxMind DB for the tests, shaped like GeoLite2-Country:
#   make_mmdb.pl OUT.mmdb 198.51.100.0/24=DE 203.0.113.0/24=NL ...
# Needs Debian's libmaxmind-db-writer-perl.  No downloaded database.
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my $out = shift or die "usage: $0 OUT.mmdb CIDR=CC ...\n";
my %types = (
	country            => 'map',
	registered_country => 'map',
	iso_code           => 'utf8_string',
);
my $tree = MaxMind::DB::Writer::Tree->new(
	ip_version               => 6,
	record_size              => 24,
	database_type            => 'frontdoor-test-Country',
	languages                => ['en'],
	description              => { en => 'frontdoor test database' },
	map_key_type_callback    => sub { $types{ $_[0] } },
	remove_reserved_networks => 0,
);
for my $arg (@ARGV) {
	my ($net, $cc) = split /=/, $arg, 2;
	die "bad argument $arg, expected CIDR=CC\n" unless defined $cc;
	$tree->insert_network($net, { country => { iso_code => $cc } });
}
open my $fh, '>:raw', $out or die "$out: $!\n";
$tree->write_tree($fh);
close $fh or die "$out: $!\n";
